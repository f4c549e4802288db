package haia.bench;

import java.time.Duration;

/**
 * The CPU time a process (or several) spends in a load run's measured window only: read when the window opens,
 * after the warm-up, and when it closes. Read around the whole run instead, the warm-up's CPU would be divided by the
 * measured requests alone (8 s of warm-up beside 15 s measured: figures 1.5 times too high).
 */
final class CpuMeter implements LoadClient.Window {

    /** Where the CPU time comes from: /proc of a process, of several, of a database server and its backends. */
    @FunctionalInterface
    interface Source {
        Duration cpu() throws Exception;
    }

    private final Source source;
    private Duration opened = Duration.ZERO;
    private Duration spent = Duration.ZERO;

    CpuMeter(Source source) {
        this.source = source;
    }

    @Override
    public void opened() throws Exception {
        opened = source.cpu();
    }

    @Override
    public void closed() throws Exception {
        spent = source.cpu().minus(opened);
    }

    /** The CPU time spent in the window. */
    Duration spent() {
        return spent;
    }

    /** CPU microseconds per request measured in the window. */
    double microsPerRequest(LoadClient.Result result) {
        return spent.toNanos() / 1000.0 / Math.max(1, result.count());
    }
}
