"""The built packages: what they install, their maintainer scripts and their units."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from debtools import VERSION, BuiltPackages, build_info

# The first test builds the packages (make deb: a virtualenv bundle), minutes on a busy
# machine; pytest-timeout counts that setup in the test.
pytestmark = [pytest.mark.packaging, pytest.mark.timeout(1500)]


def control_field(debs: BuiltPackages, package: str, field: str) -> str:
    text = (debs.control / package / "control").read_text(encoding="utf-8")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(f"{field}:"):
            value = line.split(":", 1)[1]
            for cont in lines[i + 1:]:
                if not cont.startswith(" "):
                    break
                value += cont
            return value.strip()
    return ""


def test_system_package_layout(debs: BuiltPackages) -> None:
    t = debs.tree
    for path in ("etc/govkiosk/kiosk.toml", "lib/systemd/system/govkiosk.service",
                 "lib/udev/rules.d/60-govkiosk.rules", "usr/lib/govkiosk/govkiosk-activate",
                 "usr/lib/govkiosk/kiosk-session", "usr/lib/govkiosk/screen-awake",
                 "usr/lib/systemd/logind.conf.d/logind-govkiosk.conf",
                 "usr/share/doc/govkiosk/README.md.gz"):
        assert (t / path).exists(), path
    for script in ("govkiosk-activate", "kiosk-session", "screen-awake"):
        assert (t / "usr/lib/govkiosk" / script).stat().st_mode & stat.S_IXUSR, script
    assert (t / "usr/bin/kiosk-diag").is_symlink()
    link = str((t / "usr/bin/kiosk-diag").readlink())
    assert link.endswith("opt/govkiosk/current/bin/kiosk-diag")
    conffiles = (debs.control / "govkiosk" / "conffiles").read_text().split()
    assert conffiles == ["/etc/govkiosk/kiosk.toml"]
    depends = control_field(debs, "govkiosk", "Depends")
    for dep in ("pcscd", "cups", "sane-utils", "speech-dispatcher", "speech-dispatcher-espeak-ng",
                "libspeechd2", "fonts-wqy-microhei", "cage", "adduser",
                f"govkiosk-release-{VERSION} (= {VERSION}-1)"):
        assert dep in depends, dep
    postinst = (debs.control / "govkiosk" / "postinst").read_text()
    for needle in ("adduser --system", "dialout", "lpadmin", "scanner", "video", "audio",
                   "-m 0700 /etc/govkiosk/credentials", "/var/lib/govkiosk",
                   "govkiosk-activate"):
        assert needle in postinst, needle


def test_udev_rules_name_the_devices(debs: BuiltPackages) -> None:
    rules = (debs.tree / "lib/udev/rules.d/60-govkiosk.rules").read_text()
    assert 'SYMLINK+="govkiosk-idcard"' in rules
    assert 'SYMLINK+="govkiosk-receipt"' in rules
    assert 'GROUP="dialout", MODE="0660"' in rules
    if shutil.which("udevadm"):
        proc = subprocess.run(["udevadm", "verify", str(debs.tree / "lib/udev/rules.d")],
                              capture_output=True, text=True, check=False)
        if "Unknown command" not in proc.stderr + proc.stdout:  # udevadm verify is v254+
            assert proc.returncode == 0, proc.stderr


def test_the_example_config_is_valid_and_names_the_udev_devices(debs: BuiltPackages) -> None:
    config = debs.tree / "etc/govkiosk/kiosk.toml"
    text = config.read_text(encoding="utf-8")
    assert "/dev/govkiosk-idcard" in text and "/dev/govkiosk-receipt" in text
    assert "/etc/govkiosk/credentials/" in text
    proc = subprocess.run([str(debs.python), "-m", "kiosk.diag.cli", "--config", str(config),
                           "config"], capture_output=True, text=True, timeout=120, check=False,
                          cwd=debs.tree)
    assert proc.returncode == 0, proc.stderr


def test_release_package_bundles_its_virtualenv(debs: BuiltPackages) -> None:
    release = debs.release
    assert (release / "pyvenv.cfg").is_file()
    shebang = (release / "bin" / "kiosk").read_text().splitlines()[0]
    assert shebang == f"#!/opt/govkiosk/releases/{VERSION}/bin/python"
    site = release / "lib" / "python3.11" / "site-packages"
    for module in ("PyQt6", "pydantic", "smartcard", "cups.cpython-311-x86_64-linux-gnu.so",
                   "kiosk", "drivers", "backend_sim"):
        assert (site / module).exists(), module
    info = build_info(debs)
    assert info["version"] == VERSION
    assert info["build"].split("-")[0] == debs.head


def test_packaged_kiosk_diag_version(debs: BuiltPackages, tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('terminal_id = "SZ-NS-0007"\n', encoding="utf-8")
    proc = subprocess.run([str(debs.python), "-m", "kiosk.diag.cli", "--config", str(config),
                           "version"], capture_output=True, text=True, timeout=120, check=False,
                          cwd=tmp_path)  # not the checkout: its kiosk/ would shadow the package
    assert proc.returncode == 0, proc.stderr
    import hashlib

    assert f"sha256:{hashlib.sha256(config.read_bytes()).hexdigest()}" in proc.stdout
    assert build_info(debs)["build"] in proc.stdout
    assert VERSION in proc.stdout


def test_maintainer_scripts_pass_shellcheck(debs: BuiltPackages) -> None:
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (installer/build-deps.sh installs it)")
    scripts = [p for p in debs.control.glob("*/*") if p.name in
               ("preinst", "postinst", "prerm", "postrm")]
    scripts += sorted((debs.tree / "usr/lib/govkiosk").iterdir())
    assert len(scripts) >= 6, scripts
    proc = subprocess.run(["shellcheck", "-s", "sh", *map(str, scripts)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout


def test_units_pass_systemd_analyze_verify(debs: BuiltPackages, tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    unit = debs.tree / "lib/systemd/system/govkiosk.service"
    text = unit.read_text()
    for needle in ("Type=notify", "WatchdogSec=", "Restart=on-failure",
                   "RestartPreventExitStatus=2", "After=", "pcscd", "cups.service",
                   "NoNewPrivileges=yes", "ProtectSystem=strict",
                   "ReadWritePaths=/var/lib/govkiosk", "PrivateTmp=yes", "TTYPath=/dev/tty1",
                   "PAMName=login", "Conflicts=getty@tty1.service", "screen-awake"):
        assert needle in text, needle
    # verify checks that ExecStart= programs exist: point them at the unpacked tree.
    local = tmp_path / "govkiosk.service"
    local.write_text(text.replace("/usr/lib/govkiosk/", f"{debs.tree}/usr/lib/govkiosk/"))
    proc = subprocess.run(["systemd-analyze", "verify", "--man=no", str(local)],
                          capture_output=True, text=True, timeout=60, check=False)
    problems = [ln for ln in (proc.stdout + proc.stderr).splitlines()
                if "govkiosk.service" in ln and "Cannot add dependency job" not in ln]
    assert proc.returncode == 0 and not problems, proc.stdout + proc.stderr
