"""Ten checks of three commands each: the shape of a real lab's checks, on a fresh container."""

import pytest


@pytest.mark.task("identity")
def test_the_hostname_is_the_container_s(host):
    name = host.check_output("hostname")
    assert host.file("/etc/hostname").content_string.strip() == name
    assert host.check_output("cat /proc/sys/kernel/hostname") == name


@pytest.mark.task("identity")
def test_root_is_uid_zero(host):
    assert host.user("root").uid == 0
    assert host.group("root").exists
    assert host.check_output("id -un") == "root"


@pytest.mark.task("filesystem")
def test_the_system_files_exist(host):
    assert host.file("/etc/passwd").exists
    assert host.file("/etc/os-release").is_file
    assert host.file("/tmp").is_directory


@pytest.mark.task("filesystem")
def test_passwd_is_readable_by_all(host):
    passwd = host.file("/etc/passwd")
    assert passwd.mode == 0o644
    assert passwd.user == "root"
    assert passwd.contains("^root:")


@pytest.mark.task("processes")
def test_pid_1_is_the_container_s_main_process(host):
    assert "sleep" in host.check_output("tr '\\0' ' ' </proc/1/cmdline")
    assert host.run("test -d /proc/1/ns").succeeded
    assert host.check_output("readlink /proc/1/ns/pid").startswith("pid:")


@pytest.mark.task("processes")
def test_the_checks_run_in_the_container_s_namespaces(host):
    ours = host.check_output("readlink /proc/self/ns/uts")
    assert ours == host.check_output("readlink /proc/1/ns/uts")
    assert host.run("grep -q . /proc/self/cgroup").rc == 0


@pytest.mark.task("kernel")
def test_the_kernel_is_linux(host):
    assert host.check_output("uname -sr").startswith("Linux ")
    assert host.check_output("cat /proc/sys/kernel/ostype") == "Linux"
    assert int(host.check_output("cat /proc/sys/kernel/pid_max")) > 0


@pytest.mark.task("kernel")
def test_memory_and_load_are_visible(host):
    assert host.check_output("grep MemTotal /proc/meminfo").endswith("kB")
    assert len(host.check_output("cat /proc/loadavg").split()) == 5
    assert host.run("test -r /proc/uptime").succeeded


@pytest.mark.task("network")
def test_loopback_exists(host):
    assert host.file("/sys/class/net/lo").exists
    assert host.check_output("cat /sys/class/net/lo/operstate") in ("unknown", "up")
    assert host.check_output("grep -c 'lo:' /proc/net/dev") == "1"


@pytest.mark.task("network")
def test_the_resolver_is_configured(host):
    assert host.file("/etc/resolv.conf").exists
    assert host.file("/etc/hosts").contains("localhost")
    assert host.run("getent hosts localhost").rc == 0
