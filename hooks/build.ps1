# ASK CLI v2 custom build hook for Windows: `ask deploy` runs
#   PowerShell.exe -Command "& {& 'hooks\build.ps1' '<OUT_FILE>' $False }"
# in place of its own pip build, as it runs hooks/build.sh elsewhere. Both hand the
# same command to the same Python build (skill_tools.package --lambda-zip), so the
# zip is the one `make package` makes: pinned pure-Python wheels from
# lambda/requirements.txt, no boto3, reproducible bytes. Anything missing stops the
# deploy here, with the reason, before a zip without the SDK could be uploaded.
param(
    [Parameter(Mandatory = $true)][string]$OutFile,
    [bool]$DoDebug = $false
)
# Every step's outcome is checked below ($LASTEXITCODE, Test-Path) and ends in Stop-Build
# with the reason. Not 'Stop': Windows PowerShell turns a native command's stderr into
# errors, which 'Stop' would end the script on, with a worse message, before the check.
$ErrorActionPreference = 'Continue'

function Stop-Build([string]$Reason) {
    [Console]::Error.WriteLine("hooks/build.ps1: $Reason")
    exit 1
}

$root = Split-Path -Parent $PSScriptRoot
if (-not [System.IO.Path]::IsPathRooted($OutFile)) {
    $OutFile = Join-Path (Get-Location).Path $OutFile
}

# The project's own venv (what `make` makes), else one made here from Python 3.11+.
$venvPython = Join-Path $root '.venv\Scripts\python.exe'
if (-not (Test-Path $venvPython)) {
    $python = Get-Command python -ErrorAction SilentlyContinue
    $version = $null
    if ($python) {
        # The Microsoft Store's python.exe alias prints nothing here and fails: not a Python.
        $version = & $python.Source -c "import sys; print('%d.%d' % sys.version_info[:2])" 2>$null
    }
    if (-not $version) {
        Stop-Build 'Python 3.11 or newer is needed on PATH to build the Lambda zip (python.org, or winget install Python.Python.3.13).'
    }
    if ([version]"$version" -lt [version]'3.11') {
        Stop-Build "Python $version is too old: the build needs Python 3.11 or newer."
    }
    & $python.Source -m venv (Join-Path $root '.venv')
    if ($LASTEXITCODE -ne 0) { Stop-Build 'could not create .venv (python -m venv).' }
}

Push-Location $root
try {
    # stdout belongs to the ASK CLI; the build's report goes to stderr, as in build.sh.
    & $venvPython -m skill_tools.package --lambda-zip $OutFile 2>&1 |
        ForEach-Object { [Console]::Error.WriteLine("$_") }
    $built = $LASTEXITCODE
    if ($built -ne 0) { Stop-Build "the Python build failed (exit $built); its output is above." }
} finally {
    Pop-Location
}
if (-not (Test-Path $OutFile)) { Stop-Build "no zip was written to $OutFile." }
