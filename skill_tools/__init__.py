"""Tools for running, testing and shipping the skill off AWS; never shipped to Lambda."""
