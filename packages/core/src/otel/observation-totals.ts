import type { Attributes, BatchObservableResult } from '@opentelemetry/api';

type ObservableInstrument = Parameters<BatchObservableResult['observe']>[0];

/** Observations of one collection, merged per instrument and attribute set with `merge`. */
export class ObservationTotals {
  private readonly byKey = new Map<
    string,
    { instrument: ObservableInstrument; value: number; attributes: Attributes }
  >();
  private readonly instrumentIds = new Map<ObservableInstrument, number>();

  constructor(private readonly merge: (held: number, value: number) => number) {}

  add(instrument: ObservableInstrument, value: number, attributes: Attributes = {}): void {
    let id = this.instrumentIds.get(instrument);
    if (id === undefined) {
      id = this.instrumentIds.size;
      this.instrumentIds.set(instrument, id);
    }
    const key = `${id} ${JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
    const held = this.byKey.get(key);
    if (held === undefined) this.byKey.set(key, { instrument, value, attributes });
    else held.value = this.merge(held.value, value);
  }

  observations() {
    return this.byKey.values();
  }
}
