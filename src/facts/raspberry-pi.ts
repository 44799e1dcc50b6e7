import type { FactGroup } from './group.js';

/**
 * Model and serial from the device tree (NUL-terminated strings) or /proc/cpuinfo, and the
 * bootloader's BOOT_ORDER when rpi-eeprom-config or vcgencmd can read it. Only on a Pi.
 */
export const raspberryPi: FactGroup = {
  name: 'raspberry-pi',
  command: `m=; s=
[ -r /proc/device-tree/model ] && m=$(tr -d '\\000' </proc/device-tree/model)
[ -r /proc/device-tree/serial-number ] && s=$(tr -d '\\000' </proc/device-tree/serial-number)
echo "dt_model=$m"
echo "dt_serial=$s"
grep -E '^(Serial|Revision|Model)[[:space:]]*:' /proc/cpuinfo
case "$m $(grep '^Model' /proc/cpuinfo)" in *"Raspberry Pi"*)
  if command -v rpi-eeprom-config >/dev/null; then rpi-eeprom-config
  elif command -v vcgencmd >/dev/null; then vcgencmd bootloader_config
  fi | grep '^BOOT_ORDER='
esac`,
  parse(stdout) {
    const field = (re: RegExp): string | undefined => re.exec(stdout)?.[1]?.trim() || undefined;
    const model = field(/^dt_model=(.*)$/m) ?? field(/^Model\s*:\s*(.*)$/m);
    if (!model || !/raspberry pi/i.test(model)) return {};
    const serial = field(/^Serial\s*:\s*(\S+)/m) ?? field(/^dt_serial=(.*)$/m) ?? '';
    const revision = field(/^Revision\s*:\s*(\S+)/m);
    const bootOrder = field(/^BOOT_ORDER=(\S+)/m);
    return {
      pi: {
        model,
        serial,
        ...(revision ? { revision } : {}),
        ...(bootOrder ? { eeprom_boot_order: bootOrder } : {}),
      },
    };
  },
};
