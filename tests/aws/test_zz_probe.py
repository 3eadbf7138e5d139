import sys
from test_failure_audit import *
def test_probe(audit):
    audit.start_failures[(A, "us-west-2")] = FakeError("ServiceUnavailableException", "nope", 503)
    args = ["check", "audit", "--catalog", audit.catalog, *REGIONS, *WINDOW, "--timeout", "3s"]
    r = CliRunner().invoke(cli.main, args, catch_exceptions=False)
    print("EXIT", r.exit_code); print("STDOUT", r.stdout); print("STDERR", r.stderr)
    print([c for c in audit.calls if c[3]=="StartQuery"])
