#!/usr/bin/env bash
# Runs the built genie on every damaged checkpoint and trace of the test corpora, one
# process per case, and counts clean errors, loads, crashes, hangs and silent garbage.
#
#   Tests/Fuzz/run_corpus.sh [DIR]     (after `swift build -c release`; DIR defaults to a temp folder)
#
# A crash is a death by signal, a hang a case still running after 30 s, silent garbage a
# damaged checkpoint that loads although the in-process loader refuses it, and an unclean
# error any failure that is not one line "Error: ..." (a usage block, a Foundation dump).
set -uo pipefail
cd "$(dirname "$0")/../.."
genie="$PWD/.build/release/genie"
dir="${1:-$(mktemp -d)}"
GENIE_FUZZ_CORPUS="$dir" swift test -c release -Xswiftc -enable-testing --disable-swift-testing \
    --filter 'CheckpointFuzzTests.testExportCorpusWhenAsked|TraceFuzzTests.testExportCorpusWhenAsked' >/dev/null || {
    echo "could not export the corpus"; exit 1; }

clean=0 loaded=0 crashes=0 hangs=0 garbage=0 unclean=0
classify() {  # status, output, what the in-process loader does
    local status=$1 output=$2 expected=$3 label=$4
    if [ "$status" -eq 124 ]; then hangs=$((hangs + 1)); echo "HANG: $label"; return; fi
    if [ "$status" -gt 128 ]; then crashes=$((crashes + 1)); echo "CRASH ($status): $label"; return; fi
    if [ "$status" -eq 0 ]; then
        loaded=$((loaded + 1))
        if [ "$expected" = refuses ]; then garbage=$((garbage + 1)); echo "GARBAGE: $label"; fi
        return
    fi
    local errors
    errors=$(printf '%s\n' "$output" | grep -c '^Error: ')
    if [ "$errors" -eq 1 ] && [ "$(printf '%s\n' "$output" | tail -n 1 | cut -c1-7)" = "Error: " ] \
        && ! printf '%s' "$output" | grep -q -e 'Usage:' -e 'Error Domain' -e 'Fatal error'; then
        clean=$((clean + 1))
    else
        unclean=$((unclean + 1)); echo "UNCLEAN: $label: $output"
    fi
}

ck="$dir/checkpoints"
work="$dir/work"
while IFS=$'\t' read -r number kind expected mutation; do
    rm -rf "$work"; mkdir -p "$work/weights"
    file=$(printf '%s/%s/case_%04d.safetensors' "$ck" "$kind" "$number")
    case $kind in
    tokenizer|dynamics)
        cp "$ck/tokenizer/original.safetensors" "$work/weights/tokenizer.safetensors"
        cp "$ck/dynamics/original.safetensors" "$work/weights/dynamics.safetensors"
        cp "$file" "$work/weights/$kind.safetensors"
        output=$(timeout 30 "$genie" generate --weights "$work/weights" --prompt "$ck/prompt.png" --actions 0,1,2 --out "$work/out" 2>&1)
        status=$?
        ;;
    lam)
        # train dynamics reads both checkpoints before the data: "data folder not found" means loaded.
        output=$(timeout 30 "$genie" train dynamics --tokenizer "$ck/tokenizer/original.safetensors" --lam "$file" \
            --data "$work/nowhere" --out "$work/run" 2>&1)
        status=$?
        if [ "$status" -eq 1 ] && printf '%s' "$output" | grep -q 'data folder not found'; then status=0; fi
        ;;
    esac
    classify "$status" "$output" "$expected" "checkpoint $number ($kind, $mutation)"
done < "$ck/cases.tsv"
checkpoints=$((clean + loaded + crashes + hangs + unclean))
echo "checkpoints: $checkpoints cases: $clean clean errors, $loaded loaded, $crashes crashes, $hangs hangs, $garbage silent garbage, $unclean unclean errors"

clean=0 loaded=0 crashes=0 hangs=0 garbage=0 unclean=0
while IFS=$'\t' read -r number expected mutation; do
    rm -rf "$work"
    trace=$(printf '%s/traces/case_%04d/trace.json' "$dir" "$number")
    output=$(timeout 30 "$genie" replay "$trace" --out "$work/out" 2>&1)
    classify "$?" "$output" "$expected" "trace $number ($mutation)"
done < "$dir/traces/cases.tsv"
echo "traces: $((clean + loaded + crashes + hangs + unclean)) cases: $clean clean errors, $loaded replayed, $crashes crashes, $hangs hangs, $garbage silent garbage, $unclean unclean errors"
