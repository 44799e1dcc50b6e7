/**
 * POSIX sh (Linux /proc, awk) that kills every descendant of `pid` but not `pid` itself:
 * the persistent shell survives, the command it is running dies. TERM first, so write
 * scripts run their traps and remove their temp files; then KILL, repeated to catch forks.
 */
export function killTreeScript(pid: number): string {
  return `root=${pid}
i=0
while [ $i -lt 5 ]; do
  i=$((i + 1))
  pids=$(for f in /proc/[0-9]*/stat; do
    read -r l 2>/dev/null <"$f" || continue
    p=\${f#/proc/}; p=\${p%/stat}; r=\${l##*) }
    set -- $r
    echo "$p $2"
  done | awk -v root="$root" '{ par[$1] = $2 }
    END { want[root] = 1
      do { more = 0; for (p in par) if (!(p in want) && (par[p] in want)) { want[p] = 1; more = 1 } } while (more)
      for (p in want) if (p != root) print p }')
  [ -n "$pids" ] || break
  if [ $i -eq 1 ]; then
    kill -TERM $pids 2>/dev/null
    sleep 0.5
  else
    kill -KILL $pids 2>/dev/null
  fi
done
`;
}
