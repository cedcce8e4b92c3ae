import { Metrics } from '@lungflow/http';
import { MAX_DEVICE_LABELS, positiveRatesByDevice, reviewMetrics, type ListedStudy } from './reviewMetrics';

const study = (sourceDevice: string | undefined, positive: boolean, modality = 'DX'): ListedStudy => ({ modality, positive, reviewed: false, ...(sourceDevice ? { sourceDevice } : {}) });

describe('positive rate per source device', () => {
  it('is exported per device and modality, with unnamed devices as unknown', async () => {
    const metrics = new Metrics('report', { defaultMetrics: false });
    const listed = [study('ACME DR-1', true), study('ACME DR-1', false), study('ACME DR-1', true), study('Other CR-9', false, 'CR'), study(undefined, true)];
    const stats = reviewMetrics(metrics, async () => ({ listed }));
    await stats.refresh();
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/lungflow_report_positive_rate_by_device\{device="ACME DR-1",modality="DX",service="report"\} 0\.666/);
    expect(text).toMatch(/lungflow_report_positive_rate_by_device\{device="Other CR-9",modality="CR",service="report"\} 0\n/);
    expect(text).toMatch(/lungflow_report_positive_rate_by_device\{device="unknown",modality="DX",service="report"\} 1\n/);
  });

  it('drops a device that left the worklist at the next refresh', async () => {
    const metrics = new Metrics('report', { defaultMetrics: false });
    let listed = [study('Old DR', true)];
    const stats = reviewMetrics(metrics, async () => ({ listed }));
    await stats.refresh();
    listed = [study('New DR', false)];
    await stats.refresh();
    const text = await metrics.registry.metrics();
    expect(text).not.toContain('device="Old DR"');
    expect(text).toContain('device="New DR"');
  });

  it('keeps the most frequent devices and counts the rest as other', () => {
    const listed = Array.from({ length: MAX_DEVICE_LABELS + 5 }, (_, i) => study(`device ${String(i).padStart(3, '0')}`, i % 2 === 0));
    listed.push(study('device 000', true), study('device 001', true));
    const rates = positiveRatesByDevice(listed);
    const devices = new Set(rates.map(([device]) => device));
    expect(devices.size).toBe(MAX_DEVICE_LABELS + 1);
    expect(devices.has('other')).toBe(true);
    const other = rates.find(([device]) => device === 'other')?.[2];
    expect(other?.n).toBe(5);
    expect(rates.find(([device]) => device === 'device 000')?.[2]).toEqual({ n: 2, positive: 2 });
  });
});
