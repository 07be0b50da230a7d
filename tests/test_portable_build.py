"""The build stays portable: AVX code only inside the per-ISA kernels.

A wheel built on an AVX-512 machine must import and run on a CPU without
AVX2.  Everything outside the *_avx2/*_avx512 kernels (dispatch, VM, scalar
kernels, the Cython glue) must therefore contain no ymm/zmm instruction; the
ISA-specific code is only reached after cpuid/xgetbv said it may run.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from blawk import _core


@pytest.mark.skipif(shutil.which("objdump") is None, reason="objdump not installed")
def test_no_avx_outside_isa_kernels() -> None:
    dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", _core.__file__],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    current = None
    offenders: dict[str, int] = {}
    avx_functions = 0
    for line in dis.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:", line)
        if m:
            current = m.group(1)
            continue
        if current and re.search(r"%[yz]mm", line):
            if "avx" in current:
                avx_functions += 1
            else:
                offenders[current] = offenders.get(current, 0) + 1
    assert avx_functions > 0, "no AVX kernels found: is the ISA build wired up?"
    assert not offenders, f"AVX instructions outside the ISA kernels: {offenders}"
