package io.hvx.devices.rtc;

import io.hvx.devices.bus.PortDevice;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * The MC146818 RTC and CMOS RAM at ports 0x70 (index, bit 7 masks NMI) and 0x71 (data). The time is
 * the host's UTC time plus whatever offset the guest sets; the update-in-progress bit never shows, so
 * readers never wait. Alarm and periodic interrupts are not modelled (Linux does not need them to boot).
 */
public final class CmosRtc implements PortDevice {

    static final int SECONDS = 0x00;
    static final int MINUTES = 0x02;
    static final int HOURS = 0x04;
    static final int WEEKDAY = 0x06;
    static final int DAY = 0x07;
    static final int MONTH = 0x08;
    static final int YEAR = 0x09;
    static final int REG_A = 0x0a;
    static final int REG_B = 0x0b;
    static final int REG_C = 0x0c;
    static final int REG_D = 0x0d;
    /** Where the century lives; the FADT's CENTURY field points here. */
    public static final int CENTURY = 0x32;

    static final int B_SET = 0x80;
    static final int B_BINARY = 0x04;
    static final int B_24H = 0x02;

    private final int base;
    private final Clock clock;
    private final byte[] cmos = new byte[128];
    private int index;
    private long offsetSeconds;
    private long cachedSecond = Long.MIN_VALUE;
    private LocalDateTime cachedTime;

    public CmosRtc(int base, Clock clock) {
        this.base = base;
        this.clock = clock;
        cmos[REG_A] = 0x26; // 32.768 kHz time base, 1024 Hz rate: what firmware leaves
        cmos[REG_B] = B_24H;
        cmos[REG_D] = (byte) 0x80; // valid RAM and time
    }

    @Override
    public synchronized int in(int port, int size) {
        if (port == base) {
            return 0xff;
        }
        if (index <= YEAR || index == CENTURY) {
            return timeField(index, now());
        }
        int value = cmos[index] & 0xff;
        if (index == REG_C) {
            cmos[REG_C] = 0; // reading C acknowledges its flags
        }
        return value;
    }

    @Override
    public synchronized void out(int port, int size, int value) {
        if (port == base) {
            index = value & 0x7f;
            return;
        }
        int v = value & 0xff;
        if (index <= YEAR || index == CENTURY) {
            setTimeField(index, v);
        } else if (index == REG_B) {
            cmos[REG_B] = (byte) v;
        } else if (index != REG_C && index != REG_D) {
            cmos[index] = (byte) v;
        }
    }

    /** The guest's wall-clock time; one object per second, not per register read. */
    private LocalDateTime now() {
        long second = Math.floorDiv(clock.millis(), 1000L) + offsetSeconds;
        if (second != cachedSecond) {
            cachedSecond = second;
            cachedTime = LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC);
        }
        return cachedTime;
    }

    private int timeField(int field, LocalDateTime t) {
        int value = switch (field) {
            case SECONDS -> t.getSecond();
            case MINUTES -> t.getMinute();
            case HOURS -> hours(t.getHour());
            case WEEKDAY -> t.getDayOfWeek().getValue() % 7 + 1; // 1 = Sunday
            case DAY -> t.getDayOfMonth();
            case MONTH -> t.getMonthValue();
            case YEAR -> t.getYear() % 100;
            case CENTURY -> t.getYear() / 100;
            default -> cmos[field] & 0xff; // alarm registers
        };
        if (field == HOURS && (cmos[REG_B] & B_24H) == 0) {
            return value; // already encoded with the PM bit
        }
        return encode(value);
    }

    private int hours(int hour) {
        if ((cmos[REG_B] & B_24H) != 0) {
            return hour;
        }
        int h12 = hour % 12 == 0 ? 12 : hour % 12;
        return encode(h12) | (hour >= 12 ? 0x80 : 0);
    }

    private int encode(int value) {
        return (cmos[REG_B] & B_BINARY) != 0 ? value : (value / 10) << 4 | value % 10;
    }

    private int decode(int value) {
        return (cmos[REG_B] & B_BINARY) != 0 ? value : (value >>> 4) * 10 + (value & 0xf);
    }

    private void setTimeField(int field, int raw) {
        if (field == 1 || field == 3 || field == 5) {
            cmos[field] = (byte) raw; // alarm registers
            return;
        }
        LocalDateTime t = now();
        LocalDateTime updated;
        try {
            updated = switch (field) {
                case SECONDS -> t.withSecond(decode(raw));
                case MINUTES -> t.withMinute(decode(raw));
                case HOURS -> t.withHour(decodeHour(raw));
                case DAY -> t.withDayOfMonth(decode(raw));
                case MONTH -> t.withMonth(decode(raw));
                case YEAR -> t.withYear(t.getYear() / 100 * 100 + decode(raw));
                case CENTURY -> t.withYear(decode(raw) * 100 + t.getYear() % 100);
                default -> t; // the weekday follows from the date
            };
        } catch (java.time.DateTimeException invalid) {
            return; // a field out of range for the current date: ignored, the clock keeps running
        }
        offsetSeconds += updated.toEpochSecond(ZoneOffset.UTC) - t.toEpochSecond(ZoneOffset.UTC);
    }

    private int decodeHour(int raw) {
        if ((cmos[REG_B] & B_24H) != 0) {
            return decode(raw);
        }
        int h = decode(raw & 0x7f) % 12;
        return (raw & 0x80) != 0 ? h + 12 : h;
    }
}
