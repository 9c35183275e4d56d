#!/usr/bin/env bash
# canary-risk study under MPI (ctest label mpi): the outputs of 1 process, of mpirun -n 2 and of
# mpirun -n 3 are the same bytes; a run killed mid-way (SIGKILL, one process and a whole mpirun)
# and rerun with --resume recomputes only the missing trainings and gives the same bytes again.
# usage: study_distributed.sh CANARY_RISK MPIEXEC REPOSITORY WORKDIR
set -euo pipefail
exe=$1 mpiexec=$2 repo=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
cd "$repo"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
mpi=("$mpiexec" --allow-run-as-root --oversubscribe)
args=(study --index SP500 --crises data/sp500_crises.csv --models logistic,mlp,cnn_classifier --seeds 2 --epochs 3
      --bootstrap 100 --no-plots)
outputs=(study.md study.csv crises.csv predictions.csv)
same() {
  for f in "${outputs[@]}"; do
    cmp -s "$1/$f" "$2/$f" || { echo "FAIL: $1/$f and $2/$f differ"; exit 1; }
  done
}
"$exe" "${args[@]}" --out "$work/one" > "$work/one.log"
total=$(ls "$work/one/jobs" | wc -l)
for k in 2 3; do
  "${mpi[@]}" -n $k "$exe" "${args[@]}" --out "$work/np$k" > "$work/np$k.log"
  same "$work/one" "$work/np$k"
  echo "mpirun -n $k: same bytes as one process ($total trainings)"
done
# Kill after at least 3 saved trainings, then resume.
kill_and_resume() {  # name, command...
  local name=$1; shift
  "$@" --out "$work/$name" > "$work/$name.killed.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 600); do
    [ "$(ls "$work/$name/jobs" 2>/dev/null | grep -c '\.result$')" -ge 3 ] && break
    sleep 0.05
  done
  # Every process of the run (mpirun and its ranks name the output folder in their arguments).
  pkill -9 -f -- "--out $work/$name" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  sleep 0.2
  local saved
  saved=$(ls "$work/$name/jobs" | grep -c '\.result$')
  [ "$saved" -lt "$total" ] || { echo "FAIL: $name finished before the kill ($saved saved)"; exit 1; }
  "$@" --out "$work/$name" --resume > "$work/$name.resumed.log"
  local computed
  computed=$(grep -cE ': [0-9.]+ s( \(rank [0-9]+\))?$' "$work/$name.resumed.log" || true)
  [ "$computed" -eq $((total - saved)) ] || { echo "FAIL: $name: the rerun trained $computed, expected $((total - saved))"; exit 1; }
  same "$work/one" "$work/$name"
  echo "$name: killed with $saved of $total trainings saved; the rerun trained only the $computed missing ones, same bytes"
}
kill_and_resume killed1 "$exe" "${args[@]}" --jobs 1
kill_and_resume killednp2 "${mpi[@]}" -n 2 "$exe" "${args[@]}"
echo "PASS"
