#!/bin/sh
# Installs what the PyTorch half of the benchmarks needs, from Debian's archive:
# python3-torch (PyTorch 1.13 under /usr/bin/python3; the python3 first on PATH
# has no torch) and GNU time (/usr/bin/time -f %M gives peak RSS in KiB).
# Idempotent: installs nothing when both are already there.
set -eu

need=""
if ! /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then
	need="$need python3-torch"
fi
if [ ! -x /usr/bin/time ]; then
	need="$need time"
fi
if [ -z "$need" ]; then
	echo "install.sh: torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') and /usr/bin/time already present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
echo "install.sh: apt-get install$need"
$SUDO apt-get update
# shellcheck disable=SC2086 # $need is a list of package names.
$SUDO apt-get install -y --no-install-recommends $need
/usr/bin/python3 -c 'import torch; print("install.sh: torch", torch.__version__, "threads", torch.get_num_threads())'
