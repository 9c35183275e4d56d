#!/usr/bin/env python3
"""Writes the seed inputs of the libFuzzer harnesses (tests/fuzz/corpus/<harness>/seed-*).

Standard library only. Seeds are small valid (and a few nearly valid) files of each format, so the
fuzzer starts inside the interesting part of the input space. Regression inputs (crashes found
and fixed) are added by hand next to them under names starting with "regression-".
Usage: python3 tools/make_fuzz_seeds.py   (from the repository root)
"""
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fuzz", "corpus")


def write(harness, name, data, prefix="seed-"):
    folder = os.path.join(ROOT, harness)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, prefix + name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def safetensors(tensors, metadata=None):
    """tensors: list of (name, dtype, shape, raw bytes); laid out in the given order."""
    header, offset, body = {}, 0, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        body += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + body


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


PRICES = ("date,AAA,BBB,CCC\n2000-01-03,10,20.5,30\n2000-01-04,10.5,,31\n"
          "2000-01-05,11,21,\n2000-01-06,10.75,21.5,32.25\n")

write("csv_reader_fuzz", "plain", "\x00" + "a,b,c\n1,2,3\n")
write("csv_reader_fuzz", "quoted", "\x00" + '"A,Inc","say ""hi""\nthere",3\r\n,,\n')
write("csv_reader_fuzz", "semicolon-small", "\x03" + "\ufeffx;y\n1;2\n")
write("price_csv_fuzz", "ffill", "\x14" + PRICES)
write("price_csv_fuzz", "drop-day", "\x02" + PRICES)
write("price_csv_fuzz", "bom-crlf", "\x01" + "\ufeff" + PRICES.replace("\n", "\r\n"))
write("sectors_csv_fuzz", "basic", "instrument,sector\nAA,materials\nKO,staples\nPG,staples\n")
write("sectors_csv_fuzz", "quoted-bom", '\ufeffInstrument , Sector\r\n"A,Inc",basic\r\n')

DENSE = [("fc.weight", "F32", [2, 3], f32(1, 2, 3, 4, 5, 6)), ("fc.bias", "F32", [2], f32(0.5, -0.5)),
         ("head.weight", "F32", [1, 2], f32(1, -1)), ("head.bias", "F32", [1], f32(0.25))]
for harness in ("safetensors_fuzz", "state_dict_fuzz"):
    write(harness, "dense", safetensors(DENSE, {"format": "pt"}))
write("state_dict_fuzz", "f64", safetensors(
    [(n, "F64", s, struct.pack("<%dd" % (len(r) // 4), *struct.unpack("<%df" % (len(r) // 4), r)))
     for n, _, s, r in DENSE]))
write("safetensors_fuzz", "mixed", safetensors(
    [("a", "I64", [2], struct.pack("<2q", -1, 7)), ("b", "F16", [2], b"\x00\x3c\x00\xc0"),
     ("c", "BF16", [1], b"\x80\x3f"), ("d", "BOOL", [3], b"\x00\x01\x01"), ("e", "U8", [], b"\x09"),
     ("f", "I8", [0], b""), ("g", "F64", [1, 1], struct.pack("<d", 2.5))], {"k": "v"}))

LOANS = ("amount,rate,grade,y\n1000,13.5%,A,0\n2500,NA,B,1\n\"1,200\",9.1,\"C, high\",0\n800,7.25,,1\n")
write("loan_csv_fuzz", "given-label", "\x03" + LOANS)
write("loan_csv_fuzz", "detected", "\x00" + LOANS.replace(",", ";").replace("\"1;200\"", "1200").replace("\"C; high\"", "C"))
write("loan_csv_fuzz", "words", "\x00" + "income\ty\n10\tgood\n20\tbad\n15\tgood\n")

# Regression inputs: the defects of issue 17 (each one escaped as a non-canary exception, produced a
# multi-megabyte message or was misread before the fix).
def regression(harness, name, data):
    write(harness, name, data, prefix="regression-issue17-")


def raw_header(text):
    text = text.encode()
    return struct.pack("<Q", len(text)) + text


for harness in ("safetensors_fuzz", "state_dict_fuzz"):
    regression(harness, "1e400-value", raw_header('{"a":1e400}'))
    regression(harness, "1e400-shape", raw_header('{"w":{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]}}') + b"\0" * 4)
regression("safetensors_fuzz", "long-dtype", raw_header('{"w":{"dtype":"' + "X" * 4000 + '","shape":[1],"data_offsets":[0,4]}}') + b"\0" * 4)
regression("sectors_csv_fuzz", "quoted-comma", 'instrument,sector\n"A,Inc",materials\n')
regression("sectors_csv_fuzz", "bom", "\ufeffinstrument,sector\nKO,staples\n")
regression("sectors_csv_fuzz", "nul-in-name", "instrument,sector\nK\0O,staples\n")
regression("sectors_csv_fuzz", "bare-cr", "instrument,sector\rKO,staples\r")
regression("csv_reader_fuzz", "bare-cr", "\x00a,b\r1,2\r")
regression("csv_reader_fuzz", "unclosed-quote", '\x00a,"b\n1,2\n')
regression("price_csv_fuzz", "quoted-comma-header", "\x00" + 'date,"A,Inc",B\n2000-01-03,1,2\n2000-01-04,1.5,2.5\n')
regression("price_csv_fuzz", "1e400", "\x00" + "date,A\n2000-01-03,1e400\n2000-01-04,1\n")
