# SPDX-License-Identifier: LGPL-2.1-or-later
# In the source tree the package is tools/python/src/msocket; in the VM it
# is installed (pip) in /usr/lib/python3/dist-packages.
import pathlib
import sys

_src = pathlib.Path(__file__).resolve().parent.parent / "src"
if (_src / "msocket").is_dir():
    sys.path.insert(0, str(_src))
