import sys
from pathlib import Path

# Test helper modules (conformance_data, ...) live beside the tests.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import conformance_data  # noqa: E402


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    lines = conformance_data.format_tables()
    if lines:
        terminalreporter.section("conformance")
        for line in lines:
            terminalreporter.write_line(line)
