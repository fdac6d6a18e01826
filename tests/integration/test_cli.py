"""hearthd's command line: --version, --help, --check-config, and exit 78 with
"file:line: [section] key: problem" for every kind of bad configuration."""

import os
import subprocess
import tempfile
import unittest

from hearthlib import HEARTHD

EX_CONFIG = 78
EX_USAGE = 64


def run(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([HEARTHD, *args], capture_output=True, text=True, timeout=20, env=e)


class CommandLine(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def conf(self, text):
        path = os.path.join(self.tmp.name, "h.conf")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_version(self):
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^hearthd \d+\.\d+\.\d+\n$")

    def test_help_lists_options(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        for opt in ("--config", "--check-config", "--version", "--set", "--log-level"):
            self.assertIn(opt, r.stdout)

    def test_unknown_option_is_usage_error(self):
        r = run("--bogus")
        self.assertEqual(r.returncode, EX_USAGE)
        self.assertIn("--bogus", r.stderr)

    def test_check_config_defaults(self):
        r = run("--check-config")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("embedded defaults: configuration is valid", r.stdout)
        self.assertIn("server.listen_port = 8080", r.stdout)

    def test_check_config_example(self):
        r = run("--config", os.environ["HEARTH_EXAMPLE_CONFIG"], "--check-config")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_flags_override_file(self):
        path = self.conf("[server]\nlisten_port = 9000\n[log]\nlevel = warn\n")
        r = run("--config", path, "--set", "server.listen_port=9100", "--log-level", "debug",
                "--check-config")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("server.listen_port = 9100", r.stdout)
        self.assertIn("log.level = debug", r.stdout)

    def expect_config_error(self, text, message, *extra):
        path = self.conf(text)
        r = run("--config", path, *extra, "--check-config")
        self.assertEqual(r.returncode, EX_CONFIG, r.stdout + r.stderr)
        self.assertIn(message.replace("FILE", path), r.stderr)
        # Nothing was started: no state directory appeared.
        self.assertFalse(os.path.exists("hearth-state.test-marker"))

    def test_unknown_section(self):
        self.expect_config_error("[server]\n[videos]\n", "FILE:2: [videos]: unknown section")

    def test_unknown_key(self):
        self.expect_config_error("[media]\nworker = 2\n", "FILE:2: [media] worker: unknown key")

    def test_wrong_type(self):
        self.expect_config_error("[server]\nlisten_port = http\n",
                                 'FILE:2: [server] listen_port: "http" is not a whole number')

    def test_out_of_range(self):
        self.expect_config_error("\n[media]\nworkers = 65\n",
                                 "FILE:3: [media] workers: 65 is out of range (0..64)")

    def test_unreadable_file(self):
        path = os.path.join(self.tmp.name, "missing.conf")
        r = run("--config", path, "--check-config")
        self.assertEqual(r.returncode, EX_CONFIG)
        self.assertIn(path + ": cannot read:", r.stderr)

    def test_bad_override(self):
        r = run("--set", "media.workers=lots", "--check-config")
        self.assertEqual(r.returncode, EX_CONFIG)
        self.assertIn('command line: [media] workers: "lots" is not a whole number', r.stderr)

    def test_config_error_prevents_start(self):
        state = os.path.join(self.tmp.name, "state")
        path = self.conf("[storage]\nstate_directory = %s\n[server]\nlisten_port = -5\n" % state)
        r = run("--config", path)  # not --check-config: a real start
        self.assertEqual(r.returncode, EX_CONFIG)
        self.assertFalse(os.path.exists(state), "the daemon started despite the error")


if __name__ == "__main__":
    unittest.main()
