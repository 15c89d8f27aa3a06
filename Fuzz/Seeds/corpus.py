"""Shared by the seed scripts: writes inputs into a libFuzzer corpus folder the way libFuzzer does (one file per
input, named by its SHA-1), skipping inputs of 4 KiB or more and files already there, and says how many are new."""
import hashlib
import os


def write_corpus(out, inputs):
    os.makedirs(out, exist_ok=True)
    written = 0
    for blob in inputs:
        if len(blob) >= 4096:
            continue
        path = os.path.join(out, hashlib.sha1(blob).hexdigest())
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(blob)
            written += 1
    print(f"{written} new seeds in {os.path.normpath(out)} ({len(os.listdir(out))} files)")
