"""retail.codes is pure: standard library and retail only, and its public names resolve."""
import subprocess
import sys

import retail.codes


def test_public_names_resolve():
    for name in retail.codes.__all__:
        assert getattr(retail.codes, name) is not None, name
    assert issubclass(retail.codes.SignatureError, retail.codes.CodeError)
    assert issubclass(retail.codes.CodeError, ValueError)


def test_imports_only_stdlib_and_retail():
    probe = (
        "import sys; before = set(sys.modules); import retail.codes; "
        "print('\\n'.join(sorted(set(sys.modules) - before)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    stdlib = sys.stdlib_module_names
    foreign = [m for m in loaded if m.split(".")[0] not in stdlib and m.split(".")[0] != "retail"]
    assert foreign == []
