"""The cost of sealing personal data (issue 12 §1): registering persons one command each, and
reading them back (every event loaded, opened).

1. Register ``--persons`` persons through ``app.register_person`` (name, phone, ID number),
   one command and one transaction each: with sealing, each also creates the person's data
   key (one more statement) and seals three fields.
2. Load each of them again from the store, bypassing the aggregate cache (opening three
   fields with the person's key, cached in the process after the first use).

Run the same script against the code before sealing (``PYTHONPATH`` at a checkout of it) to
get the "before" figures; ``--persons`` the same both times.

    python -m bench.bench_personal_data [--persons 1000]
"""

from __future__ import annotations

import argparse
import time
from uuid import UUID

from bench.dataset import BENCH_META, open_platform
from bench.support import temporary_database
from gongzhi.application.owners import RegisterPerson


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1000)
    args = parser.parse_args(argv)
    with temporary_database("bench_pd") as pg:
        platform = open_platform(pg.url())
        try:
            app = platform.app
            started = time.perf_counter()
            ids: list[UUID] = [
                app.register_person(
                    BENCH_META,
                    RegisterPerson(
                        name=f"张{n}",
                        phone=f"139{n:08d}",
                        id_number=_id_number(n),
                    ),
                ).id
                for n in range(args.persons)
            ]
            registering = time.perf_counter() - started
            started = time.perf_counter()
            for person_id in ids:
                app.repository.get(person_id, version=1)  # past the cache
            loading = time.perf_counter() - started
        finally:
            platform.close()
    print(
        f"register {args.persons} persons: {registering:.2f} s "
        f"({registering / args.persons * 1000:.2f} ms each); "
        f"load them: {loading:.2f} s ({loading / args.persons * 1000:.3f} ms each)"
    )


def _id_number(n: int) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    first17 = f"53040219800101{n % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


if __name__ == "__main__":
    main()
