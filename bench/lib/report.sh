# shellcheck shell=bash
# Shared formatting for the bench/ report (sourced by bench/run.sh and the scripts that print
# machine-readable results).
#
#   report_result NAME VALUE          # prints "RESULT NAME VALUE" (VALUE NA when empty)
#   report_div A B [DIGITS]           # A / B with DIGITS decimals (3); NA when either is
#                                     # missing, not a number, or B is 0
#   report_fmt VALUE [DIGITS]         # VALUE with DIGITS decimals (2); NA stays NA
#   report_load FILE...               # reads "RESULT NAME VALUE" lines into REPORT[NAME]
#   report_get NAME                   # REPORT[NAME], or NA
#   report_table_start                # prints the report table's header (Markdown)
#   report_row FIGURE VALUE OP TARGET [DETAIL]
#                                     # one row: OP is ge (≥), le (≤), flat (VALUE is 1/0) or
#                                     # "-" (no target: the figure is printed for reference);
#                                     # the verdict is met / NOT MET / n/a (no value); counts
#                                     # REPORT_MET, REPORT_NOT_MET, REPORT_NA
#
# RESULT names are dotted: SCRIPT.WORKLOAD.FIGURE, e.g. e2e.small.sqlite_s (seconds),
# decode.bulk.decode_over_null (a ratio), latency.mysql.p99_ms.

declare -gA REPORT=()
REPORT_MET=0
REPORT_NOT_MET=0
REPORT_NA=0

report_isnum() { [[ "${1:-}" =~ ^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$ ]]; }

report_result() { printf 'RESULT %s %s\n' "$1" "${2:-NA}"; }

report_div() {
  local a=${1:-} b=${2:-} d=${3:-3}
  if report_isnum "$a" && report_isnum "$b" && awk -v b="$b" 'BEGIN { exit !(b != 0) }'; then
    awk -v a="$a" -v b="$b" -v d="$d" 'BEGIN { printf "%.*f\n", d, a / b }'
  else
    echo NA
  fi
}

report_fmt() {
  if report_isnum "${1:-}"; then awk -v v="$1" -v d="${2:-2}" 'BEGIN { printf "%.*f\n", d, v }'; else echo NA; fi
}

report_load() {
  local f tag name value
  for f in "$@"; do
    [[ -f "$f" ]] || continue
    while read -r tag name value; do
      [[ "$tag" == RESULT && -n "$name" ]] && REPORT[$name]=${value:-NA}
    done <"$f"
  done
  return 0
}

report_get() { echo "${REPORT[$1]:-NA}"; }

report_table_start() {
  echo "| figure | value | target | result |"
  echo "| --- | ---: | --- | --- |"
}

report_row() {
  local figure=$1 value=$2 op=$3 target=${4:-} detail=${5:-} verdict shown
  shown=$value
  [[ -n "$detail" ]] && shown+=" ($detail)"
  case $op in
    -) verdict="—" target="—" ;;
    ge | le)
      if ! report_isnum "$value"; then
        verdict="n/a"
      elif awk -v v="$value" -v t="$target" -v op="$op" 'BEGIN { exit !(op == "ge" ? v >= t : v <= t) }'; then
        verdict="met"
      else
        verdict="NOT MET"
      fi
      if [[ $op == ge ]]; then target="≥ $target"; else target="≤ $target"; fi
      ;;
    flat)
      case $value in
        1) verdict="met" shown="flat" ;;
        0) verdict="NOT MET" shown="not flat" ;;
        *) verdict="n/a" ;;
      esac
      [[ -n "$detail" ]] && shown+=" ($detail)"
      target="flat"
      ;;
    *) echo "report_row: unknown op $op" >&2; return 2 ;;
  esac
  case $verdict in
    met) REPORT_MET=$((REPORT_MET + 1)) ;;
    "NOT MET") REPORT_NOT_MET=$((REPORT_NOT_MET + 1)) ;;
    n/a) REPORT_NA=$((REPORT_NA + 1)) ;;
  esac
  printf '| %s | %s | %s | %s |\n' "$figure" "$shown" "$target" "$verdict"
}
