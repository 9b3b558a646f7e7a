"""One decoding for every target's output: a byte that is not UTF-8 never raises."""

import pytest

from checker.engine import open_host
from checker.reach import open_node, run_script
from checker.spec import parse_spec

# Output a learner can plant: a name with a byte that is not UTF-8, and one that ends mid-character.
PLANTED = "printf 'x\\377\\n\\342\\202\\n'"


def test_the_persistent_engine_decodes_stray_bytes_as_replacement_characters():
    host = open_host(parse_spec("local://"), timeout=10)
    try:
        result = host.run(PLANTED + " >&2; " + PLANTED)
        assert result.stdout == "x\ufffd\n\ufffd\n"
        assert result.stderr == "x\ufffd\n\ufffd\n"
        assert result.stdout_bytes == b"x\xff\n\xe2\x82\n"  # the exact bytes stay available
        assert host.check_output(PLANTED) == "x\ufffd\n\ufffd"
        assert host.backend.encoding == "utf-8"  # never asked of the target's python
    finally:
        host.backend.close()


def test_a_name_read_from_the_target_can_be_handed_back_to_it(tmp_path):
    (tmp_path / "caf\u00e9").write_text("menu")
    host = open_host(parse_spec("local://"), timeout=10)
    try:
        [name] = host.check_output("ls %s", str(tmp_path)).splitlines()
        assert host.check_output("cat %s", str(tmp_path / name)) == "menu"
    finally:
        host.backend.close()


@pytest.mark.parametrize("engine", ["persistent", "testinfra"])
def test_both_engines_decode_the_same_way(engine):
    host = open_node(parse_spec("local://").primary, engine)
    assert host.run(PLANTED).stdout == "x\ufffd\n\ufffd\n"
    assert host.file("/proc/self/status").content_string  # modules decode through it too


def test_a_step_s_output_is_decoded_the_same_way():
    code, out, err = run_script(parse_spec("local://"), PLANTED + "; " + PLANTED + " >&2")
    assert (code, out, err) == (0, "x\ufffd\n\ufffd\n", "x\ufffd\n\ufffd\n")
