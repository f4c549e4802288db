package haia.observe;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import io.helidon.metrics.api.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/**
 * The JVM and the process, measured by Micrometer's binders on the Micrometer registry under Helidon's metrics, so
 * {@code /metrics} carries the names Grafana's JVM dashboards query: {@code jvm_memory_used_bytes},
 * {@code jvm_gc_pause_seconds}, {@code jvm_threads_live_threads}, {@code jvm_classes_loaded_classes},
 * {@code process_cpu_usage}, {@code system_cpu_usage}, {@code process_uptime_seconds},
 * {@code process_files_open_files}, {@code jvm_info}. (Helidon's own system meters use MicroProfile's camelCase
 * names, which {@code promtool} rejects and no common dashboard uses.)
 */
final class JvmMeters {

    private static final AtomicBoolean BOUND = new AtomicBoolean();

    private JvmMeters() {
    }

    /**
     * The registry {@code /metrics} is scraped from: the one below Helidon's composite, not the composite itself.
     * Helidon listens to meters added to the composite and takes its own lock in that listener, while its own
     * registrations take that lock first and the composite's second; the GC binder adds its pause timer on the JVM's
     * notification thread at the first collection, so binding to the composite deadlocks against a request that
     * creates a meter at that moment (seen in a test: "Notification Thread" and "main" waiting on each other).
     */
    static Optional<io.micrometer.core.instrument.MeterRegistry> scraped(MeterRegistry registry) {
        io.micrometer.core.instrument.MeterRegistry root = registry.unwrap(io.micrometer.core.instrument.MeterRegistry.class);
        if (root instanceof CompositeMeterRegistry composite) {
            return composite.getRegistries().stream()
                    .filter(r -> !(r instanceof CompositeMeterRegistry))
                    .map(r -> (io.micrometer.core.instrument.MeterRegistry) r)
                    .findFirst();
        }
        return Optional.of(root);
    }

    /** Binds the meters once per JVM (the registry is global; the GC binder listens to the JVM until it exits). */
    @SuppressWarnings("resource")   // JvmGcMetrics keeps listening for the life of the process, on purpose
    static void bindOnce(MeterRegistry registry) {
        if (!BOUND.compareAndSet(false, true)) {
            return;
        }
        Optional<io.micrometer.core.instrument.MeterRegistry> target = scraped(registry);
        if (target.isEmpty()) {
            System.getLogger(JvmMeters.class.getName()).log(System.Logger.Level.WARNING,
                    "No Prometheus registry under Helidon's metrics: /metrics has no JVM meters");
            return;
        }
        io.micrometer.core.instrument.MeterRegistry micrometer = target.get();
        new JvmMemoryMetrics().bindTo(micrometer);
        new JvmGcMetrics().bindTo(micrometer);
        new JvmThreadMetrics().bindTo(micrometer);
        new ClassLoaderMetrics().bindTo(micrometer);
        new JvmInfoMetrics().bindTo(micrometer);
        new ProcessorMetrics().bindTo(micrometer);
        new UptimeMetrics().bindTo(micrometer);
        new FileDescriptorMetrics().bindTo(micrometer);
        // the names of these promtool rejects: a gauge ending in _count (the CPU count does not change anyway), and
        // the process's CPU time in nanoseconds (process_cpu_time_ns_total, Micrometer 1.13+: "ns" is an abbreviated
        // unit to promtool; process_cpu_usage says the same). Removed, not filtered: Micrometer warns about a filter
        // added to a registry that already has meters, and Helidon's are there first.
        for (String name : List.of("system.cpu.count", "process.cpu.time")) {
            micrometer.find(name).meters().forEach(micrometer::remove);
        }
    }
}
