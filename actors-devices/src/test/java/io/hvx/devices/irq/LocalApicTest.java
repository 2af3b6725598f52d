package io.hvx.devices.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.time.GuestClock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LocalApicTest {

    private final ManualTime time = new ManualTime();
    // 25 MHz crystal: one APIC timer tick (divide by 1) is 40 ns; TSC at 1 GHz: one tick per ns
    private final GuestClock clock = new GuestClock(time, 1_000_000_000L, 25_000_000L);
    private final ApicBus bus = new ApicBus();
    private final LocalApic cpu0 = new LocalApic(0, bus, clock);
    private final LocalApic cpu1 = new LocalApic(1, bus, clock);

    private static void enable(LocalApic apic) {
        apic.write(LocalApic.REG_SVR, 4, 0x1ff);
    }

    private static void sendIpi(LocalApic from, int destination, int icrLow) {
        from.write(LocalApic.REG_ICR_HIGH, 4, (long) destination << 24);
        from.write(LocalApic.REG_ICR_LOW, 4, icrLow);
    }

    @Test
    void identification_registers_read_as_an_integrated_xapic() {
        assertEquals(0x0005_0014L, cpu1.read(LocalApic.REG_VERSION, 4));
        assertEquals(1L << 24, cpu1.read(LocalApic.REG_ID, 4));
        assertEquals(0xfee0_0900L, cpu0.apicBaseMsr(), "BSP flag and global enable on the bootstrap processor");
        assertEquals(0xfee0_0800L, cpu1.apicBaseMsr());
        assertEquals(0x10000L, cpu1.read(LocalApic.REG_LVT_TIMER, 4), "LVT entries start masked");
        assertEquals(0xffff_ffffL, cpu1.read(LocalApic.REG_DFR, 4));
    }

    @Test
    void fixed_ipi_is_accepted_into_isr_and_cleared_by_eoi() {
        enable(cpu1);
        sendIpi(cpu0, 1, 0x41);
        assertTrue(cpu1.hasPendingInterrupt());
        assertFalse(cpu0.hasPendingInterrupt());
        assertEquals(1L << 1, cpu1.read(LocalApic.REG_IRR + 0x20, 4), "vector 0x41 is bit 1 of IRR word 2");
        assertEquals(0x41, cpu1.acknowledgeInterrupt());
        assertEquals(0, cpu1.read(LocalApic.REG_IRR + 0x20, 4));
        assertEquals(1L << 1, cpu1.read(LocalApic.REG_ISR + 0x20, 4));
        assertEquals(0x40, cpu1.read(LocalApic.REG_PPR, 4), "PPR is the in-service class");
        cpu1.write(LocalApic.REG_EOI, 4, 0);
        assertEquals(0, cpu1.read(LocalApic.REG_ISR + 0x20, 4));
        assertEquals(-1, cpu1.acknowledgeInterrupt());
    }

    @Test
    void priority_orders_vectors_and_tpr_and_in_service_classes_hold_lower_ones_back() {
        enable(cpu1);
        sendIpi(cpu0, 1, 0x51);
        sendIpi(cpu0, 1, 0x92);
        cpu1.write(LocalApic.REG_TPR, 4, 0xa0);
        assertFalse(cpu1.hasPendingInterrupt(), "TPR class 0xa masks classes 9 and 5");
        cpu1.write(LocalApic.REG_TPR, 4, 0);
        assertEquals(0x92, cpu1.acknowledgeInterrupt());
        assertFalse(cpu1.hasPendingInterrupt(), "0x51 waits while class 9 is in service");
        sendIpi(cpu0, 1, 0x95);
        assertFalse(cpu1.hasPendingInterrupt(), "same class as the one in service");
        sendIpi(cpu0, 1, 0xa0);
        assertEquals(0xa0, cpu1.acknowledgeInterrupt(), "a higher class nests");
        cpu1.write(LocalApic.REG_EOI, 4, 0);
        cpu1.write(LocalApic.REG_EOI, 4, 0);
        assertEquals(0x95, cpu1.acknowledgeInterrupt());
        cpu1.write(LocalApic.REG_EOI, 4, 0);
        assertEquals(0x51, cpu1.acknowledgeInterrupt());
    }

    @Test
    void a_software_disabled_apic_delivers_nothing_maskable() {
        sendIpi(cpu0, 1, 0x41);
        assertFalse(cpu1.hasPendingInterrupt());
        enable(cpu1);
        assertTrue(cpu1.hasPendingInterrupt(), "the request was held in IRR");
    }

    @Test
    void init_and_startup_ipis_reach_the_application_processor() {
        sendIpi(cpu0, 1, 0x0000_c500); // INIT, level assert
        sendIpi(cpu0, 1, 0x0000_8500); // INIT de-assert: ignored
        assertTrue(cpu1.takeInit());
        assertFalse(cpu1.takeInit());
        sendIpi(cpu0, 1, 0x0000_0600 | 0x9a); // SIPI, vector 0x9a: start at 0x9a000
        assertEquals(0x9a, cpu1.takeStartupVector());
        assertEquals(-1, cpu1.takeStartupVector());
        assertFalse(cpu0.takeInit());
    }

    @Test
    void nmi_ipi_and_shorthands_select_the_right_processors() {
        sendIpi(cpu0, 1, 0x0000_0400);
        assertTrue(cpu1.takeNmi());
        assertFalse(cpu0.takeNmi());
        enable(cpu0);
        enable(cpu1);
        cpu0.write(LocalApic.REG_ICR_LOW, 4, (3 << 18) | 0x30); // all excluding self
        assertTrue(cpu1.hasPendingInterrupt());
        assertFalse(cpu0.hasPendingInterrupt());
        cpu0.write(LocalApic.REG_ICR_LOW, 4, (1 << 18) | 0x31); // self
        assertEquals(0x31, cpu0.acknowledgeInterrupt());
    }

    @Test
    void logical_flat_destinations_match_the_logical_id_bits() {
        enable(cpu0);
        enable(cpu1);
        cpu0.write(LocalApic.REG_LDR, 4, 0x01L << 24);
        cpu1.write(LocalApic.REG_LDR, 4, 0x02L << 24);
        sendIpi(cpu0, 0x02, (1 << 11) | 0x40);
        assertFalse(cpu0.hasPendingInterrupt());
        assertEquals(0x40, cpu1.acknowledgeInterrupt());
        cpu1.write(LocalApic.REG_EOI, 4, 0);
        sendIpi(cpu1, 0x03, (1 << 11) | 0x41);
        assertEquals(0x41, cpu0.acknowledgeInterrupt());
        assertEquals(0x41, cpu1.acknowledgeInterrupt());
    }

    @Test
    void one_shot_timer_counts_down_at_the_crystal_rate_and_fires_once() {
        enable(cpu0);
        cpu0.write(LocalApic.REG_TIMER_DIVIDE, 4, 0xb); // divide by 1
        cpu0.write(LocalApic.REG_LVT_TIMER, 4, 0xec);
        cpu0.write(LocalApic.REG_TIMER_INITIAL, 4, 1000); // 1000 ticks * 40 ns = 40 us
        time.advance(10_000);
        assertEquals(750L, cpu0.read(LocalApic.REG_TIMER_CURRENT, 4));
        assertFalse(cpu0.hasPendingInterrupt());
        time.advance(30_000);
        assertEquals(0xec, cpu0.acknowledgeInterrupt());
        assertEquals(0L, cpu0.read(LocalApic.REG_TIMER_CURRENT, 4));
        cpu0.write(LocalApic.REG_EOI, 4, 0);
        time.advance(1_000_000);
        assertFalse(cpu0.hasPendingInterrupt(), "one-shot does not re-arm");
    }

    @Test
    void divide_configuration_slows_the_timer() {
        enable(cpu0);
        cpu0.write(LocalApic.REG_TIMER_DIVIDE, 4, 0x3); // divide by 16
        cpu0.write(LocalApic.REG_LVT_TIMER, 4, 0xec);
        cpu0.write(LocalApic.REG_TIMER_INITIAL, 4, 100); // 100 * 16 * 40 ns = 64 us
        time.advance(63_000);
        assertFalse(cpu0.hasPendingInterrupt());
        time.advance(1_000);
        assertTrue(cpu0.hasPendingInterrupt());
    }

    @Test
    void periodic_timer_reloads_and_a_masked_timer_stays_silent() {
        enable(cpu0);
        cpu0.write(LocalApic.REG_TIMER_DIVIDE, 4, 0xb);
        cpu0.write(LocalApic.REG_LVT_TIMER, 4, (1 << 17) | 0xec);
        cpu0.write(LocalApic.REG_TIMER_INITIAL, 4, 250); // 10 us period
        for (int i = 0; i < 3; i++) {
            time.advance(10_000);
            assertEquals(0xec, cpu0.acknowledgeInterrupt(), "period " + i);
            cpu0.write(LocalApic.REG_EOI, 4, 0);
        }
        time.advance(2_500);
        assertEquals(188L, cpu0.read(LocalApic.REG_TIMER_CURRENT, 4), "250 - 62 ticks into the period");
        cpu0.write(LocalApic.REG_LVT_TIMER, 4, (1 << 17) | (1 << 16) | 0xec);
        time.advance(100_000);
        assertFalse(cpu0.hasPendingInterrupt());
    }

    @Test
    void tsc_deadline_timer_fires_when_the_tsc_passes_the_deadline() {
        enable(cpu0);
        cpu0.writeTscDeadlineMsr(5_000); // ignored: not in TSC-deadline mode
        assertEquals(0, cpu0.tscDeadlineMsr());
        cpu0.write(LocalApic.REG_LVT_TIMER, 4, (2 << 17) | 0xef);
        long deadline = clock.tsc() + 5_000;
        cpu0.writeTscDeadlineMsr(deadline);
        assertEquals(deadline, cpu0.tscDeadlineMsr());
        time.advance(4_999);
        assertFalse(cpu0.hasPendingInterrupt());
        time.advance(1);
        assertEquals(0xef, cpu0.acknowledgeInterrupt());
        assertEquals(0, cpu0.tscDeadlineMsr(), "the MSR clears when the timer fires");
        cpu0.write(LocalApic.REG_EOI, 4, 0);
        cpu0.writeTscDeadlineMsr(clock.tsc() + 10);
        cpu0.writeTscDeadlineMsr(0);
        time.advance(100);
        assertFalse(cpu0.hasPendingInterrupt(), "writing 0 disarms");
    }

    @Test
    void a_halted_vcpu_wakes_when_another_thread_sends_it_an_interrupt() throws Exception {
        GuestClock real = GuestClock.system();
        ApicBus realBus = new ApicBus();
        LocalApic a = new LocalApic(0, realBus, real);
        LocalApic b = new LocalApic(1, realBus, real);
        enable(b);
        CountDownLatch woke = new CountDownLatch(1);
        Thread vcpu = Thread.ofPlatform().start(() -> {
            b.awaitEvent(true, TimeUnit.SECONDS.toNanos(30));
            if (b.hasPendingInterrupt()) {
                woke.countDown();
            }
        });
        Thread.sleep(50);
        sendIpi(a, 1, 0x44);
        assertTrue(woke.await(5, TimeUnit.SECONDS), "the halted vCPU woke for the IPI");
        vcpu.join();
    }

    @Test
    void a_halted_vcpu_wakes_for_its_own_timer_in_real_time() {
        GuestClock real = GuestClock.system();
        LocalApic a = new LocalApic(0, new ApicBus(), real);
        enable(a);
        a.write(LocalApic.REG_TIMER_DIVIDE, 4, 0xb);
        a.write(LocalApic.REG_LVT_TIMER, 4, 0xec);
        a.write(LocalApic.REG_TIMER_INITIAL, 4, 500_000); // 20 ms at 25 MHz
        long start = System.nanoTime();
        a.awaitEvent(true, TimeUnit.SECONDS.toNanos(10));
        long waited = System.nanoTime() - start;
        assertEquals(0xec, a.acknowledgeInterrupt());
        assertTrue(waited >= 19_000_000 && waited < 2_000_000_000L, "woke after " + waited + " ns");
    }
}
