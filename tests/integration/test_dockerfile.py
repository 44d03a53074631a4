"""The Dockerfile, checked without a Docker engine: dockerfilelint (npm, installed into
./node_modules by scripts/install-deps --test) finds nothing; the build stage runs the
scripts CI runs; every COPY source exists (in the build context, or in a real
`cmake --install` tree for the runtime stage); CMD and HEALTHCHECK run the installed binary;
the runtime stage has the libraries that binary needs, a non-root user, the settings of
`lakegate --help`, a volume for the spool; and the README shows how to build and run it."""
import json
import os
import re
import shlex
import subprocess
import tempfile
import unittest

import dockerfile
import server
from test_install import install

ROOT = os.path.normpath(os.path.join(server.HERE, "..", ".."))
DOCKERFILE = os.path.join(ROOT, "Dockerfile")
BASE_IMAGE = "debian:bookworm-slim"
ROUTES_MOUNT = "/etc/lakegate/routes"
# In every debian:bookworm-slim image already (libc6 is Essential, apt needs the others).
BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}
# A sanitizer build links these; the image is never built with sanitizers.
SANITIZER_LIB = re.compile(r"^lib(asan|ubsan|lsan|tsan)\.so")


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def dockerfilelint():
    path = os.path.join(ROOT, "node_modules", ".bin", "dockerfilelint")
    if not os.access(path, os.X_OK):
        raise AssertionError("%s is missing: run scripts/install-deps --test" % path)
    return path


def lint(path):
    """dockerfilelint's JSON report of one file: (exit code, [issues])."""
    r = subprocess.run([dockerfilelint(), "-j", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60)
    try:
        report = json.loads(r.stdout)
    except ValueError:
        raise AssertionError("dockerfilelint gave no JSON report (exit %d):\n%s%s"
                             % (r.returncode, r.stdout, r.stderr))
    return r.returncode, [i for f in report["files"] for i in f["issues"]]


def run_commands(stage):
    """The shell commands of a stage's RUN instructions, split at && and ;."""
    out = []
    for ins in stage.all("RUN"):
        for part in re.split(r"&&|;", ins.args):
            words = shlex.split(part)
            if words:
                out.append(words)
    return out


def scripts_run_by(path, seen=None):
    """The scripts/* files that `path` runs, directly or through the scripts it runs."""
    seen = set() if seen is None else seen
    for name in re.findall(r"scripts/[A-Za-z0-9_.-]+", read(path)):
        if name not in seen and os.path.isfile(os.path.join(ROOT, name)):
            seen.add(name)
            scripts_run_by(name, seen)
    return seen


def needed_packages(binary):
    """The Debian packages holding the shared libraries `binary` links directly."""
    dynamic = subprocess.run(["readelf", "-d", binary], stdout=subprocess.PIPE, text=True, check=True).stdout
    cache = subprocess.run(["ldconfig", "-p"], stdout=subprocess.PIPE, text=True, check=True).stdout
    packages = {}
    for lib in re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic):
        if SANITIZER_LIB.match(lib):
            continue
        m = re.search(r"^\s*%s \([^)]*x86-64[^)]*\) => (\S+)" % re.escape(lib), cache, re.M) or \
            re.search(r"^\s*%s .*=> (\S+)" % re.escape(lib), cache, re.M)
        if not m:
            raise AssertionError("ldconfig does not know %s, which %s needs" % (lib, binary))
        packages[lib] = owning_package(m.group(1))
    return packages


def owning_package(path):
    """dpkg's package for a library path (with or without the /usr of merged-/usr)."""
    alt = path[4:] if path.startswith("/usr/") else "/usr" + path
    for candidate in (path, alt, os.path.realpath(path)):
        r = subprocess.run(["dpkg-query", "-S", candidate], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
        if r.returncode == 0:
            return r.stdout.split(":", 1)[0].strip()
    raise AssertionError("no Debian package owns %s" % path)


class DockerfileTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.stages = dockerfile.stages(read("Dockerfile"))
        cls.build = cls.stages[0]
        cls.runtime = cls.stages[-1]
        cls.env = cls.runtime.env()
        cls.ignore = dockerfile.ignore_patterns(read(".dockerignore"))
        # A real `cmake --install` of the build under test, to check the image's paths in.
        tmp = tempfile.TemporaryDirectory(prefix="lakegate-docker-")
        cls.addClassCleanup(tmp.cleanup)
        cls.tree = os.path.join(tmp.name, "prefix")
        result = install(cls.tree)
        if result.returncode != 0:
            raise AssertionError("cmake --install failed (%d):\n%s" % (result.returncode, result.stdout))

    # ----- lint -----

    def test_dockerfilelint_finds_nothing(self):
        code, issues = lint(DOCKERFILE)
        self.assertEqual([], ["line %s: %s (%s)" % (i["line"], i["title"], i["content"]) for i in issues],
                         "dockerfilelint issues")
        self.assertEqual(0, code, "dockerfilelint exit code")

    def test_dockerfilelint_reports_a_broken_file(self):
        # The lint above is only worth something if the linter really reads files.
        with tempfile.TemporaryDirectory(prefix="lakegate-docker-") as tmp:
            path = os.path.join(tmp, "Dockerfile")
            with open(path, "w") as f:
                f.write("FROM debian:latest\nRUN apt-get install curl\nEXPOSE 99999\n")
            code, issues = lint(path)
        titles = {i["title"] for i in issues}
        self.assertNotEqual(0, code, "exit code on a bad file")
        self.assertIn("Base Image Latest Tag", titles, "reports FROM ...:latest")
        self.assertIn("Invalid Port Exposed", titles, "reports EXPOSE 99999")

    # ----- stages and build context -----

    def test_two_stages_on_bookworm_slim(self):
        self.assertGreaterEqual(len(self.stages), 2, "multi-stage build")
        self.assertEqual([BASE_IMAGE] * len(self.stages), [s.image for s in self.stages],
                         "every stage starts from %s" % BASE_IMAGE)
        self.assertIsNotNone(self.build.name, "the build stage is named (FROM ... AS name)")

    def test_build_context_sources_exist_and_are_not_ignored(self):
        copies = self.build.all("COPY") + self.build.all("ADD")
        self.assertTrue(copies, "the build stage copies the sources in")
        for ins in copies:
            flags, words = ins.flags_and_words()
            self.assertNotIn("from", flags, "%r: the build stage copies from the context" % ins)
            for src in words[:-1]:
                path = os.path.normpath(os.path.join(ROOT, src))
                self.assertTrue(os.path.exists(path), "%r: %s does not exist" % (ins, src))
                if src not in (".", "./"):
                    self.assertFalse(dockerfile.ignored(self.ignore, os.path.relpath(path, ROOT)),
                                     "%r: .dockerignore leaves out %s" % (ins, src))

    def test_dockerignore_keeps_the_sources_and_drops_outputs(self):
        tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        self.assertEqual(0, tracked.returncode, "git ls-files in %s" % ROOT)
        needed = [p for p in tracked.stdout.splitlines()
                  if p == "CMakeLists.txt" or p.split("/")[0] in ("src", "lua", "routes", "scripts")]
        self.assertTrue(needed, "the build's sources are tracked")
        self.assertEqual([], [p for p in needed if dockerfile.ignored(self.ignore, p)],
                         "sources the build needs that .dockerignore leaves out")
        for junk in (".git/HEAD", "build/CMakeCache.txt", "build-asan/lakegate", "node_modules/x/index.js",
                     "data/lake/x.json"):
            self.assertTrue(dockerfile.ignored(self.ignore, junk), ".dockerignore leaves out %s" % junk)

    # ----- the build stage runs what CI runs -----

    def test_build_stage_runs_the_scripts_ci_runs(self):
        commands = run_commands(self.build)
        scripts = [c[0].lstrip("./") for c in commands if "scripts/" in c[0]]
        for name in scripts:
            self.assertTrue(os.access(os.path.join(ROOT, name), os.X_OK), "%s exists and is executable" % name)
        ci = scripts_run_by(".ci/run")
        self.assertIn("scripts/install-deps", scripts, "the build stage installs with scripts/install-deps")
        self.assertIn("scripts/build", scripts, "the build stage builds with scripts/build")
        self.assertEqual([], sorted(set(scripts) - ci), "scripts the image runs that CI (.ci/run) never runs")

    def test_build_stage_configures_without_the_test_suite(self):
        # scripts/install-deps without --test installs no test tools, and the test suite's
        # CMake code requires them: such a build must leave testing off.
        commands = run_commands(self.build)
        deps = [c for c in commands if c[0].endswith("scripts/install-deps")]
        build = [c for c in commands if c[0].endswith("scripts/build")]
        self.assertEqual(1, len(build), "one scripts/build")
        if not any("--test" in c for c in deps):
            self.assertIn("-DBUILD_TESTING=OFF", build[0], "scripts/build without the test suite")

    # ----- the runtime stage: the cmake --install layout -----

    def install_prefix(self):
        """The --prefix of the build stage's `cmake --install BUILD_DIR`."""
        commands = run_commands(self.build)
        build_dir = [c for c in commands if c[0].endswith("scripts/build")][0][1]
        inst = [c for c in commands if c[:2] == ["cmake", "--install"]]
        self.assertEqual(1, len(inst), "one cmake --install in the build stage")
        self.assertEqual(build_dir, inst[0][2], "cmake --install installs what scripts/build built")
        return inst[0][inst[0].index("--prefix") + 1]

    def runtime_copies(self):
        """[(source in the build stage, destination)] of the runtime stage's COPY --from."""
        out = []
        for ins in self.runtime.all("COPY") + self.runtime.all("ADD"):
            flags, words = ins.flags_and_words()
            self.assertEqual(self.build.name, flags.get("from"),
                             "%r: the runtime stage copies only from the build stage" % ins)
            self.assertEqual(2, len(words), "%r: one source, one destination" % ins)
            out.append((words[0], words[1]))
        return out

    def test_runtime_copies_exist_in_the_install_layout(self):
        prefix = self.install_prefix()
        tree = self.tree
        copies = self.runtime_copies()
        for src, dest in copies:
            self.assertTrue(src.startswith(prefix + "/"), "%s comes from the install prefix %s" % (src, prefix))
            self.assertTrue(os.path.exists(os.path.join(tree, src[len(prefix) + 1:])),
                            "cmake --install creates %s" % src)
            if dest != ROUTES_MOUNT:
                self.assertEqual(src, dest, "the runtime keeps the install layout for %s" % src)
        dests = [d for _, d in copies]
        self.assertIn(prefix + "/share/lakegate/lua", dests, "the Lua runtime library is in the image")
        self.assertIn(ROUTES_MOUNT, dests, "the example routes are at %s" % ROUTES_MOUNT)
        routes_src = [s for s, d in copies if d == ROUTES_MOUNT][0]
        self.assertTrue(os.path.isfile(os.path.join(tree, routes_src[len(prefix) + 1:], "unicorn.lua")),
                        "what lands in %s is the example app" % ROUTES_MOUNT)

    def test_cmd_and_healthcheck_run_the_installed_binary(self):
        prefix = self.install_prefix()
        tree = self.tree
        cmd = self.runtime.all("CMD")
        self.assertEqual(1, len(cmd), "one CMD")
        argv = cmd[0].exec_form()
        self.assertIsNotNone(argv, "CMD in exec form (signals reach lakegate, not a shell)")
        self.assertEqual([prefix + "/bin/lakegate", "serve"], argv, "CMD")
        self.assertTrue(os.access(os.path.join(tree, "bin", "lakegate"), os.X_OK),
                        "cmake --install puts the binary at <prefix>/bin/lakegate")
        self.assertIn(argv[0], [d for _, d in self.runtime_copies()], "the CMD binary is copied in")
        checks = self.runtime.all("HEALTHCHECK")
        self.assertEqual(1, len(checks), "one HEALTHCHECK")
        flags, words = checks[0].flags_and_words()
        self.assertIn("interval", flags, "HEALTHCHECK options (dockerfilelint 1.8 crashes without)")
        self.assertEqual("CMD", words[0], "HEALTHCHECK CMD")
        exec_form = json.loads(re.search(r"\bCMD\s+(.*)$", checks[0].args).group(1))
        self.assertEqual([argv[0], "health"], exec_form, "the health check is `lakegate health`")

    # ----- the runtime stage: libraries, user, settings -----

    def test_runtime_packages_cover_the_binary(self):
        installs = [c for c in run_commands(self.runtime) if c[:2] == ["apt-get", "install"]]
        self.assertEqual(1, len(installs), "one apt-get install in the runtime stage")
        packages = {w for w in installs[0][2:] if not w.startswith("-")}
        needed = needed_packages(server.lakegate_bin())
        self.assertTrue(needed, "readelf lists the binary's libraries")
        missing = {lib: pkg for lib, pkg in needed.items() if pkg not in packages | BASE_PACKAGES}
        self.assertEqual({}, missing, "libraries of bin/lakegate whose packages the image lacks")
        self.assertIn("ca-certificates", packages, "TLS to AWS needs the CA bundle")

    def test_runs_as_a_non_root_user(self):
        users = self.runtime.all("USER")
        self.assertTrue(users, "the runtime stage sets USER")
        user = users[-1].args.split(":")[0]
        self.assertNotIn(user, ("root", "0"), "USER is not root")
        last_user = self.runtime.instructions.index(users[-1])
        self.assertLess(last_user, self.runtime.instructions.index(self.runtime.all("CMD")[0]),
                        "USER comes before CMD")
        self.assertTrue(any(c[0] == "useradd" and user in c for c in run_commands(self.runtime)),
                        "the user %s is created in the image" % user)

    def test_settings_come_from_the_environment(self):
        help_text = server.run_cli(["--help"], cwd=ROOT).stdout
        for name in self.env:
            if name.startswith("LAKEGATE_"):
                self.assertIn(name, help_text, "ENV %s is a setting `lakegate --help` lists" % name)
        self.assertEqual("0.0.0.0:8000", self.env.get("LAKEGATE_LISTEN"), "listens on all interfaces, port 8000")
        self.assertEqual(ROUTES_MOUNT, self.env.get("LAKEGATE_ROUTES"), "routes are read from the mount point")
        exposed = {p.split("/")[0] for ins in self.runtime.all("EXPOSE") for p in ins.args.split()}
        self.assertIn(self.env["LAKEGATE_LISTEN"].rsplit(":", 1)[1], exposed, "EXPOSE the listening port")

    def test_the_spool_is_a_volume(self):
        volumes = []
        for ins in self.runtime.all("VOLUME"):
            volumes += ins.exec_form() or ins.args.split()
        spool = self.env.get("LAKEGATE_SPOOL")
        self.assertIsNotNone(spool, "ENV LAKEGATE_SPOOL")
        self.assertTrue(any(spool == v or spool.startswith(v.rstrip("/") + "/") for v in volumes),
                        "the spool %s is on a VOLUME (%r)" % (spool, volumes))

    def test_health_command_follows_the_listen_setting(self):
        # The HEALTHCHECK passes no URL: `lakegate health` asks http://$LAKEGATE_LISTEN/healthz,
        # here with the image's host (0.0.0.0, which connects locally) and a test port. The
        # server itself listens on 127.0.0.1 only.
        host = self.env["LAKEGATE_LISTEN"].rsplit(":", 1)[0]
        tmp = tempfile.TemporaryDirectory(prefix="lakegate-docker-")
        self.addCleanup(tmp.cleanup)
        srv = server.start_server(tmp.name)
        self.addCleanup(srv.stop)
        env = server.clean_env(LAKEGATE_LISTEN="%s:%d" % (host, srv.port))
        up = server.run_cli(["health"], cwd=tmp.name, env=env)
        self.assertEqual(0, up.returncode, "health while serving; stderr %r" % up.stderr)
        self.assertEqual(0, srv.stop(), "clean stop")
        down = server.run_cli(["health"], cwd=tmp.name, env=env)
        self.assertNotEqual(0, down.returncode, "health once the server is gone")

    # ----- the README -----

    def test_readme_shows_docker_build_and_run(self):
        readme = read("README.md")
        build = re.search(r"^\s*docker build\b.*-t\s+(\S+).*$", readme, re.M)
        self.assertIsNotNone(build, "a `docker build -t NAME .` line in README.md")
        image = build.group(1)
        runs = [line for line in readme.splitlines() if re.match(r"^\s*docker run\b", line)]
        self.assertTrue(runs, "a `docker run` line in README.md")
        port = self.env["LAKEGATE_LISTEN"].rsplit(":", 1)[1]
        self.assertTrue(any(re.search(r"(^|\s)%s(\s|:|$)" % re.escape(image), r) for r in runs),
                        "a docker run line starts the image built above (%s): %r" % (image, runs))
        self.assertTrue(any(re.search(r"-p\s*\S*:%s\b" % port, r) for r in runs),
                        "a docker run line publishes port %s: %r" % (port, runs))


if __name__ == "__main__":
    unittest.main()
