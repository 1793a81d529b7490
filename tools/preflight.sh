#!/bin/sh
# One clear line, and exit 1, when a tool the make target needs is missing or too old:
#   tools/preflight.sh python PYTHON   Python 3.11 or newer (before the venv is made)
#   tools/preflight.sh java            a Java runtime (DynamoDB Local, for tests and bench)
#   tools/preflight.sh npm             npm (installs the Node tools, Node 22 included)
#   tools/preflight.sh node NODE       Node.js 22 or newer (what runs the Node tools)
set -u
need="$1"
case "$need" in
python)
    py="${2:-python3}"
    if ! command -v "$py" >/dev/null 2>&1; then
        echo "make: Python 3.11 or newer is needed, and '$py' is not installed (set PYTHON=/path/to/python3.11)." >&2
        exit 1
    fi
    if ! "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
        echo "make: Python 3.11 or newer is needed; '$py' is $("$py" -V 2>&1) (set PYTHON=/path/to/python3.11)." >&2
        exit 1
    fi
    ;;
java)
    if ! command -v java >/dev/null 2>&1 || ! java -version >/dev/null 2>&1; then
        echo "make: Java is needed to run DynamoDB Local for the tests (e.g. apt-get install default-jre-headless)." >&2
        exit 1
    fi
    ;;
npm)
    if ! command -v npm >/dev/null 2>&1; then
        echo "make: npm is needed to install the Node tools, Node 22 included (e.g. apt-get install npm)." >&2
        exit 1
    fi
    ;;
node)
    node="${2:-node}"
    major="$("$node" -p 'process.versions.node.split(".")[0]' 2>/dev/null)"
    case "$major" in ''|*[!0-9]*) major=0 ;; esac
    if [ "$major" -lt 22 ]; then
        echo "make: Node.js 22 or newer is needed; $node is $("$node" --version 2>/dev/null || echo missing) (make ask-cli installs it into .tools/)." >&2
        exit 1
    fi
    ;;
*)
    echo "usage: tools/preflight.sh python|java|npm|node [EXECUTABLE]" >&2
    exit 2
    ;;
esac
