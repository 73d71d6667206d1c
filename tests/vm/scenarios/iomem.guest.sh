# Guest half of iomem. The default format is the kernel's line plus "  (size)"; --raw is the
# kernel's line exactly. Both are compared with the kernel's file by diff.
edu_find || exit 1
for table in iomem ioports; do
  cat "/proc/$table" >"/tmp/$table.kernel"
  show "$table" "$(cat "/tmp/$table.kernel")"
  mapio "$table" --raw >"/tmp/$table.raw" 2>&1
  rc=$?
  if [ $rc -eq 0 ] && diff "/tmp/$table.kernel" "/tmp/$table.raw" >"/tmp/$table.diff"; then pass "$table-raw" "$(wc -l <"/tmp/$table.raw") lines"
  else fail "$table-raw" "exit $rc; diff: $(head -c 600 "/tmp/$table.diff" "/tmp/$table.raw" | tr '\n' '|')"; fi

  mapio "$table" >"/tmp/$table.default" 2>&1
  rc=$?
  # Every line ends in "  (SIZE)"; without it the line is the kernel's.
  bad=$(grep -Ecv '  \([0-9][0-9.]* (bytes?|[KMGTPE]iB)\)$' "/tmp/$table.default")
  sed 's/  ([^()]*)$//' "/tmp/$table.default" >"/tmp/$table.stripped"
  if [ $rc -eq 0 ] && [ "$bad" -eq 0 ] && diff "/tmp/$table.kernel" "/tmp/$table.stripped" >"/tmp/$table.diff"; then
    pass "$table-default" "$(wc -l <"/tmp/$table.default") lines"
  else
    fail "$table-default" "exit $rc, $bad lines without a size; diff: $(head -c 600 "/tmp/$table.diff" | tr '\n' '|'); output: $(head -c 300 "/tmp/$table.default" | tr '\n' '|')"
  fi
done
show iomem-default "$(cat /tmp/iomem.default)"

# The edu BAR is a child of a "PCI Bus 0000:00" range that contains it: find edu's line and walk
# back to the nearest less-indented line.
bar_hex=${edu_bar0#0x}
line=$(grep -n "^ *0*$bar_hex-[0-9a-f]* : $edu_bdf\$" /tmp/iomem.raw | head -n1)
if [ -z "$line" ]; then
  fail iomem-edu-under-bus "no line for $edu_bdf at $bar_hex in mapio iomem --raw"
else
  n=${line%%:*}
  text=${line#*:}
  indent=$(printf '%s' "$text" | sed 's/[^ ].*//' | wc -c)
  parent=$(head -n $((n - 1)) /tmp/iomem.raw | awk -v want=$((indent - 1)) '{ match($0, /^ */); if (RLENGTH < want) last = $0 } END { print last }')
  if printf '%s' "$parent" | grep -q ': PCI Bus 0000:00$'; then pass iomem-edu-under-bus "'$(echo $parent)' holds '$(echo $text)'"
  else fail iomem-edu-under-bus "parent of '$text' is '$parent'"; fi
fi

# JSON: edu's BAR nested in the PCI bus's children, with its size.
capture mapio iomem --json
size=$(bar_size "$edu" 0)
flat=$(printf '%s' "$out" | tr -d ' \n')
if [ $rc -eq 0 ] && printf '%s' "$flat" | grep -q "\"name\":\"PCIBus0000:00\",\"children\":\[.*\"size\":$size,[^]]*\"name\":\"$edu_bdf\"\|\"name\":\"PCIBus0000:00\".*\"children\":\[[^]]*\"name\":\"$edu_bdf\""; then
  pass iomem-json
else
  fail iomem-json "exit $rc: edu not found under PCI Bus 0000:00: $(printf '%s' "$flat" | grep -o ".\{200\}\"name\":\"$edu_bdf\".\{100\}" | head -n1)"
fi
