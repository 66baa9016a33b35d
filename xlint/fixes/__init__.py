"""The fix engine: applying edits (:mod:`.engine`), the shared moves (stage shape and chains, the
single-stage split, output paths, arch names, the file's style) and one recipe module per toolchain
(go, rust, c, node, dotnet, jvm, site), each with BEFORE/AFTER examples that run as tests.
"""
