"""The bench lab's ten checks of three commands, asked of the examiner (`checker.examiner`).

Run inside (the target's shell) or outside (the examiner container), they time the examiner's
own cost per target against today's engine.
"""

import pytest


@pytest.mark.task("identity")
def test_the_hostname_is_the_container_s(examiner):
    name = examiner.net("hostname").stdout.strip()
    assert examiner.read("/etc/hostname").strip() == name
    assert examiner.net("cat /proc/sys/kernel/hostname").stdout.strip() == name


@pytest.mark.task("identity")
def test_root_is_uid_zero(examiner):
    assert examiner.read("/etc/passwd").startswith("root:x:0:0:")
    assert "root:x:0:" in examiner.read("/etc/group")
    assert examiner.exists("/root", "d")


@pytest.mark.task("filesystem")
def test_the_system_files_exist(examiner):
    assert examiner.exists("/etc/passwd")
    assert examiner.exists("/etc/os-release", "f")
    assert examiner.exists("/tmp", "d")


@pytest.mark.task("filesystem")
def test_passwd_is_readable_by_all(examiner):
    passwd = examiner.path("/etc/passwd")
    assert examiner.check_output("stat -c %%a %s", passwd) == "644"
    assert examiner.check_output("stat -c %%U %s", passwd) == "root"
    assert examiner.run("grep -q ^root: %s", passwd).rc == 0


@pytest.mark.task("processes")
def test_pid_1_is_the_container_s_main_process(examiner):
    init = examiner.init
    assert "sleep" in examiner.check_output(f"tr '\\0' ' ' </proc/{init}/cmdline")
    assert examiner.run(f"test -d /proc/{init}/ns").rc == 0
    assert examiner.check_output(f"readlink /proc/{init}/ns/pid").startswith("pid:")


@pytest.mark.task("processes")
def test_the_checks_see_the_container_s_namespaces(examiner):
    ours = examiner.net("readlink /proc/self/ns/uts").stdout.strip()
    assert ours == examiner.check_output(f"readlink /proc/{examiner.init}/ns/uts")
    assert examiner.run(f"grep -q . /proc/{examiner.init}/cgroup").rc == 0


@pytest.mark.task("kernel")
def test_the_kernel_is_linux(examiner):
    assert examiner.check_output("uname -sr").startswith("Linux ")
    assert examiner.check_output("cat /proc/sys/kernel/ostype") == "Linux"
    assert int(examiner.check_output("cat /proc/sys/kernel/pid_max")) > 0


@pytest.mark.task("kernel")
def test_memory_and_load_are_visible(examiner):
    assert examiner.check_output("grep MemTotal /proc/meminfo").endswith("kB")
    assert len(examiner.check_output("cat /proc/loadavg").split()) == 5
    assert examiner.run("test -r /proc/uptime").rc == 0


@pytest.mark.task("network")
def test_loopback_exists(examiner):
    devices = examiner.net("cat /proc/net/dev").stdout
    assert "lo:" in devices
    assert examiner.net("grep -c 'lo:' /proc/net/dev").stdout.strip() == "1"
    assert examiner.net("test -r /proc/net/route").rc == 0


@pytest.mark.task("network")
def test_the_resolver_is_configured(examiner):
    assert examiner.exists("/etc/resolv.conf")
    assert "localhost" in examiner.read("/etc/hosts")
    assert examiner.read("/etc/nsswitch.conf") is not None
