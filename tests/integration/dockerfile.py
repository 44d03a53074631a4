"""Reading a Dockerfile and a .dockerignore without Docker (standard library only), for the
static checks of test_dockerfile.py.

Dockerfile: instructions with their line numbers, continuation lines joined, comments
dropped, grouped into build stages. Exec-form arguments (a JSON array) are decoded.
.dockerignore: Go filepath.Match patterns per path segment plus `**`, `!` exceptions,
last match wins -- the subset of Docker's rules needed for a pattern list like ours.
"""
import fnmatch
import json
import re
import shlex


class Instruction:
    def __init__(self, line, keyword, args):
        self.line = line        # first line of the instruction in the file
        self.keyword = keyword  # upper case: FROM, RUN, COPY ...
        self.args = args        # the rest, continuations joined with single spaces

    def exec_form(self):
        """The JSON-array form decoded (a list of strings), or None for shell form."""
        if not self.args.startswith("["):
            return None
        value = json.loads(self.args)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("line %d: exec form must be a JSON array of strings" % self.line)
        return value

    def flags_and_words(self):
        """(--flag=value dict, remaining shell words) of a COPY/ADD/HEALTHCHECK."""
        words = shlex.split(self.args)
        flags = {}
        while words and words[0].startswith("--"):
            name, _, value = words.pop(0)[2:].partition("=")
            flags[name] = value
        return flags, words

    def __repr__(self):
        return "line %d: %s %s" % (self.line, self.keyword, self.args)


class Stage:
    def __init__(self, image, name, index):
        self.image = image   # the FROM image (or an earlier stage's name)
        self.name = name     # the AS name, or None
        self.index = index
        self.instructions = []

    def all(self, keyword):
        return [i for i in self.instructions if i.keyword == keyword]

    def env(self):
        """ENV key=value pairs of this stage, in order (later wins)."""
        out = {}
        for ins in self.all("ENV"):
            for word in shlex.split(ins.args):
                key, sep, value = word.partition("=")
                if not sep:
                    raise ValueError("line %d: use ENV key=value" % ins.line)
                out[key] = value
        return out


def instructions(text):
    """The instructions of a Dockerfile, in order."""
    out = []
    pending, start = None, 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue   # also inside a continuation, where Docker drops comment lines too
        if pending is None:
            pending, start = "", number
        continued = line.endswith("\\")
        pending += (line[:-1] if continued else line).strip() + " "
        if not continued:
            keyword, _, args = pending.strip().partition(" ")
            out.append(Instruction(start, keyword.upper(), re.sub(r"\s+", " ", args.strip())))
            pending = None
    if pending is not None:
        raise ValueError("line %d: the file ends inside a continued instruction" % start)
    return out


def stages(text):
    """The build stages of a Dockerfile."""
    out = []
    for ins in instructions(text):
        if ins.keyword == "FROM":
            words = ins.args.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            out.append(Stage(words[0], name, len(out)))
        elif not out:
            if ins.keyword != "ARG":
                raise ValueError("line %d: %s before the first FROM" % (ins.line, ins.keyword))
        else:
            out[-1].instructions.append(ins)
    return out


# ===================== .dockerignore =====================

def ignore_patterns(text):
    """[(pattern, is_exception)] from .dockerignore text."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        pattern = line[1:] if exception else line
        out.append((pattern.strip("/"), exception))
    return out


def _match(pattern, path):
    """Does pattern match path or one of its parent directories (Docker excludes a whole
    directory when the directory matches)?"""
    pat = pattern.split("/")
    parts = path.split("/")
    for n in range(1, len(parts) + 1):
        if _match_parts(pat, parts[:n]):
            return True
    return False


def _match_parts(pat, parts):
    if not pat:
        return not parts
    if pat[0] == "**":
        return any(_match_parts(pat[1:], parts[i:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], pat[0]) and _match_parts(pat[1:], parts[1:])


def ignored(patterns, path):
    """True if the context path (relative, '/'-separated) is left out of the build context."""
    result = False
    for pattern, exception in patterns:
        if _match(pattern, path):
            result = not exception
    return result
