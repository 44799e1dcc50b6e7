# Runs several ansible-inventory / host-pattern queries in one Python process (Ansible starts
# slowly). Reads JSON from stdin: {"cli": [[args...], ...], "patterns": {"sources": [...], "patterns": [...]}}
# Writes JSON: {"cli": [{"code", "stdout", "stderr"}], "patterns": {pattern: [hosts] | {"error": msg}}}
import io
import json
import sys
from contextlib import redirect_stderr, redirect_stdout

req = json.load(sys.stdin)
out = {"cli": [], "patterns": {}}

from ansible.cli.inventory import InventoryCLI  # noqa: E402
from ansible.utils.context_objects import GlobalCLIArgs  # noqa: E402

for args in req.get("cli", []):
    buf, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(buf), redirect_stderr(err):
        try:
            GlobalCLIArgs._Singleton__instance = None  # each run parses its own command line
            cli = InventoryCLI(["ansible-inventory"] + args)
            cli.parse()
            cli.run()
        except SystemExit as e:
            code = e.code or 0
        except Exception as e:  # an Ansible error: report it like the command line would
            code, _ = 1, err.write(str(e))
    out["cli"].append({"code": code, "stdout": buf.getvalue(), "stderr": err.getvalue()})

pat = req.get("patterns")
if pat:
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader

    inv = InventoryManager(loader=DataLoader(), sources=pat["sources"])
    for p in pat["patterns"]:
        try:
            out["patterns"][p] = [h if isinstance(h, str) else h.name for h in inv.list_hosts(p)]
        except Exception as e:
            out["patterns"][p] = {"error": str(e)}

sys.__stdout__.write(json.dumps(out))
