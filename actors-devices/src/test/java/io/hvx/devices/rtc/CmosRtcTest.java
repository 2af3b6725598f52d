package io.hvx.devices.rtc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hvx.devices.bus.IoBus;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CmosRtcTest {

    private final IoBus bus = new IoBus();

    private int read(int index) {
        bus.out(0x70, 1, index);
        return bus.in(0x71, 1);
    }

    private void write(int index, int value) {
        bus.out(0x70, 1, index);
        bus.out(0x71, 1, value);
    }

    @BeforeEach
    void attach() {
        // 2026-11-23 15:42:07 UTC, a Monday
        Clock fixed = Clock.fixed(Instant.parse("2026-11-23T15:42:07Z"), ZoneOffset.UTC);
        bus.registerPorts(0x70, 2, new CmosRtc(0x70, fixed));
    }

    @Test
    void time_reads_in_bcd_with_century_and_a_valid_battery() {
        assertEquals(0x07, read(0x00));
        assertEquals(0x42, read(0x02));
        assertEquals(0x15, read(0x04));
        assertEquals(0x02, read(0x06), "Monday is day 2 (Sunday is 1)");
        assertEquals(0x23, read(0x07));
        assertEquals(0x11, read(0x08));
        assertEquals(0x26, read(0x09));
        assertEquals(0x20, read(0x32));
        assertEquals(0x80, read(0x0d));
        assertEquals(0, read(0x0a) & 0x80, "update-in-progress never shows");
    }

    @Test
    void binary_and_twelve_hour_modes_follow_register_b() {
        write(0x0b, 0x04); // binary, 12-hour
        assertEquals(0x80 | 3, read(0x04), "3 PM");
        assertEquals(42, read(0x02));
        write(0x0b, 0x06);
        assertEquals(15, read(0x04));
    }

    @Test
    void the_nmi_mask_bit_of_the_index_does_not_change_the_register() {
        assertEquals(0x42, read(0x80 | 0x02));
    }

    @Test
    void a_guest_that_sets_the_clock_keeps_its_time_from_then_on() {
        write(0x0b, 0x82); // SET, 24-hour BCD
        write(0x04, 0x09);
        write(0x09, 0x30);
        write(0x0b, 0x02);
        assertEquals(0x09, read(0x04));
        assertEquals(0x30, read(0x09));
        assertEquals(0x42, read(0x02));
    }

    @Test
    void cmos_ram_bytes_are_kept() {
        write(0x40, 0xa5);
        assertEquals(0xa5, read(0x40));
    }

    @Test
    void with_the_host_clock_it_reads_the_host_time() {
        IoBus host = new IoBus();
        host.registerPorts(0x70, 2, new CmosRtc(0x70, Clock.systemUTC()));
        host.out(0x70, 1, 0x0b);
        host.out(0x71, 1, 0x06); // binary
        LocalDateTime before = LocalDateTime.now(ZoneOffset.UTC).withNano(0);
        host.out(0x70, 1, 0x04);
        int hour = host.in(0x71, 1);
        host.out(0x70, 1, 0x02);
        int minute = host.in(0x71, 1);
        LocalDateTime after = LocalDateTime.now(ZoneOffset.UTC);
        int read = hour * 60 + minute;
        int low = before.getHour() * 60 + before.getMinute();
        int high = after.getHour() * 60 + after.getMinute();
        assertEquals(true, read == low || read == high, "RTC %d:%d vs host %s".formatted(hour, minute, before));
    }
}
