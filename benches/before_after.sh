#!/usr/bin/env bash
# Step speed of two mlp binaries, alternated round by round in one run so the
# machine's drift hits both alike: the online study step and the minibatch
# step of simard-plain at batch 64, one thread each.
#   benches/before_after.sh BEFORE_MLP AFTER_MLP [ROUNDS] [DATA]
# Prints each round's figures and the median of each binary.
set -euo pipefail
before=$1 after=$2 rounds=${3:-5} data=${4:-data/mnist}
online() { taskset -c 0 "$1" bench --data "$data" --case relu-sigmoid --hidden 300 --rounds 1 --seconds 1 --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["steps_per_second"])'; }
mini() { taskset -c 0 "$1" bench --data "$data" --recipe simard-plain --batch 64 --threads 1 --rounds 1 --json |
  python3 -c 'import json,sys; d=json.load(sys.stdin); r=d[0] if isinstance(d,list) else d; print(r.get("samples_per_second"))'; }
declare -a ob oa mb ma
for r in $(seq "$rounds"); do
  ob+=("$(online "$before")"); oa+=("$(online "$after")")
  mb+=("$(mini "$before")"); ma+=("$(mini "$after")")
  echo "round $r: online ${ob[-1]} / ${oa[-1]} steps/s; simard-plain b64 ${mb[-1]} / ${ma[-1]} samples/s (before / after)"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median online step: before $(median "${ob[@]}"), after $(median "${oa[@]}") steps/s"
echo "median simard-plain batch 64: before $(median "${mb[@]}"), after $(median "${ma[@]}") samples/s"
