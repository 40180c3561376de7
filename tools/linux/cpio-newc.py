#!/usr/bin/env python3
"""Write a cpio archive in the "newc" format the kernel's initramfs reads.

The archive is described by a list on stdin, one entry a line:

    dir   PATH MODE
    file  PATH MODE SOURCE
    slink PATH TARGET
    nod   PATH MODE c|b MAJOR MINOR

MODE is octal permission bits. Every entry is owned by root with mtime 0,
so the archive depends only on its contents and needs no root privileges
(device nodes are only described, never created on the host).

Usage: tools/linux/cpio-newc.py OUT < LIST
"""
import stat
import sys

def pad4(n):
    return (4 - n % 4) % 4


class Archive:
    def __init__(self, out):
        self.out = out
        self.ino = 0
        self.names = set()

    def entry(self, name, mode, data=b"", rdev=(0, 0), nlink=1):
        if name != "TRAILER!!!":
            if name in self.names:
                raise ValueError(f"{name}: listed twice")
            self.names.add(name)
            self.ino += 1
        fields = [self.ino if name != "TRAILER!!!" else 0, mode, 0, 0, nlink, 0,
                  len(data), 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
        head = b"070701" + b"".join(b"%08x" % f for f in fields)
        head += name.encode() + b"\0"
        self.out.write(head + b"\0" * pad4(len(head)))
        self.out.write(data + b"\0" * pad4(len(data)))

    def add(self, words):
        kind, path = words[0], words[1].lstrip("/")
        if not path:
            raise ValueError("empty path")
        if kind == "dir" and len(words) == 3:
            self.entry(path, stat.S_IFDIR | int(words[2], 8), nlink=2)
        elif kind == "file" and len(words) == 4:
            with open(words[3], "rb") as f:
                self.entry(path, stat.S_IFREG | int(words[2], 8), f.read())
        elif kind == "slink" and len(words) == 3:
            self.entry(path, stat.S_IFLNK | 0o777, words[2].encode())
        elif kind == "nod" and len(words) == 6 and words[3] in ("c", "b"):
            ftype = stat.S_IFCHR if words[3] == "c" else stat.S_IFBLK
            self.entry(path, ftype | int(words[2], 8),
                       rdev=(int(words[4]), int(words[5])))
        else:
            raise ValueError("expected dir/file/slink/nod with its fields")

    def finish(self):
        self.entry("TRAILER!!!", 0)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    with open(sys.argv[1], "wb") as out:
        archive = Archive(out)
        for n, line in enumerate(sys.stdin, 1):
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            try:
                archive.add(words)
            except (ValueError, OSError) as e:
                sys.exit(f"cpio-newc: line {n}: {e}")
        archive.finish()


if __name__ == "__main__":
    main()
