#!/usr/bin/python3
"""The pandas side of `make bench-peers` (issue #6).

Profiles a CSV the way a pandas user would: read_csv, describe(include='all'), and value_counts of
every column. Prints one line with the phase timings in seconds:

    elapsed TOTAL read_csv A describe B value_counts C rows R cols K

Run it with Debian's interpreter (/usr/bin/python3, packages python3-pandas python3-scipy); the
python3 on PATH may be a different interpreter without pandas.
"""
import sys
import time

import pandas as pd


def main(argv):
    if len(argv) != 2:
        print("usage: pandas_profile.py FILE.csv", file=sys.stderr)
        return 2
    start = time.perf_counter()
    df = pd.read_csv(argv[1])
    t_read = time.perf_counter()
    desc = df.describe(include="all")
    t_desc = time.perf_counter()
    distinct = 0
    for col in df.columns:
        distinct += len(df[col].value_counts(dropna=False))
    t_vc = time.perf_counter()
    # Touch the results so nothing can be skipped.
    assert desc.shape[1] == df.shape[1] and distinct > 0
    print(
        "elapsed %.3f read_csv %.3f describe %.3f value_counts %.3f rows %d cols %d pandas %s"
        % (t_vc - start, t_read - start, t_desc - t_read, t_vc - t_desc,
           df.shape[0], df.shape[1], pd.__version__)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
