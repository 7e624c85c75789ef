#!/usr/bin/env python3
"""patch_symbol.py IN.elf SYMBOL VALUE OUT.elf

Writes a copy of a guest ELF with the 64-bit little-endian word at SYMBOL
(a .symtab entry inside a PT_LOAD segment's file bytes) set to VALUE, so
that the same patched image runs on regvm and on QEMU (e.g. a guest's
`iterations`). Exit 1 with a message if the symbol is missing or not in
the file image."""
import struct
import sys


def patch(data, symbol, value):
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF file")
    phoff, shoff = struct.unpack_from("<QQ", data, 32)
    phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", data, 54)
    addr = None
    for i in range(shnum):
        sh = shoff + i * shentsize
        sh_type, = struct.unpack_from("<I", data, sh + 4)
        if sh_type != 2:  # SHT_SYMTAB
            continue
        off, size = struct.unpack_from("<QQ", data, sh + 24)
        link, = struct.unpack_from("<I", data, sh + 40)
        str_off, = struct.unpack_from("<Q", data, shoff + link * shentsize + 24)
        for s in range(off, off + size, 24):
            name_off, = struct.unpack_from("<I", data, s)
            end = data.index(b"\0", str_off + name_off)
            if data[str_off + name_off:end].decode() == symbol:
                addr, = struct.unpack_from("<Q", data, s + 8)
    if addr is None:
        raise ValueError("no symbol " + symbol)
    for i in range(phnum):
        ph = phoff + i * phentsize
        p_type, = struct.unpack_from("<I", data, ph)
        p_offset, _, p_paddr, p_filesz = struct.unpack_from("<QQQQ", data, ph + 8)
        if p_type == 1 and p_paddr <= addr and addr + 8 <= p_paddr + p_filesz:
            struct.pack_into("<Q", data, p_offset + addr - p_paddr, value)
            return
    raise ValueError("symbol %s (0x%x) is not in a loaded segment's file bytes" % (symbol, addr))


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    src, symbol, value, dst = sys.argv[1], sys.argv[2], int(sys.argv[3], 0), sys.argv[4]
    data = bytearray(open(src, "rb").read())
    try:
        patch(data, symbol, value)
    except (ValueError, struct.error) as e:
        print("patch_symbol.py: %s: %s" % (src, e), file=sys.stderr)
        return 1
    open(dst, "wb").write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
