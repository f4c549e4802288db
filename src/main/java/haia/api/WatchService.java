package haia.api;

import haia.store.FindingStore;
import haia.watch.Watch;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/**
 * HAIA's watch under {@code /v1}: alerts in ({@link AlertsService}: {@code POST /alerts/alertmanager},
 * {@code POST /alerts}) and what it found out ({@link FindingsService}: {@code GET /findings},
 * {@code GET /findings/{id}}); see docs/watching.md.
 */
public final class WatchService implements HttpService {

    private final AlertsService alerts;
    private final FindingsService findings;

    /** @param maxBodyBytes the largest webhook body accepted (HAIA_MAX_BODY_BYTES) */
    public WatchService(Watch watch, FindingStore findings, long maxBodyBytes) {
        this.alerts = new AlertsService(watch, maxBodyBytes);
        this.findings = new FindingsService(findings);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.register(alerts, findings);
    }
}
