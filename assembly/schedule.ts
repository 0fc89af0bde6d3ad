/**
 * The step schedule interpreter. The host's Plan writes the network as a list of ops into the
 * arena (OP_WORDS i32 each: opcode, phase mask, up to ten arguments, all byte offsets or sizes);
 * `net_run` executes the list once per time step for nSteps steps. Keeping the schedule as data
 * means one host call runs a whole sample (no per-step JS<->wasm crossing) and the same loop can
 * run on a WASI firmware image with no host at all.
 *
 * Spike lists are described by [ptr, count] descriptors in the arena, written by the op that
 * produces them (OP_INPUT for input events binned per step, OP_LIF / OP_WTA for populations) and
 * read by the ops that consume them.
 */
import {
  OP_WORDS, OP_INPUT, OP_LIF, OP_WTA, OP_LIF_RESET, OP_DENSE_F32, OP_DENSE_I8, OP_FLUSH_I8,
  OP_TRACE_DECAY, OP_STDP_PRE, OP_STDP_POST, OP_SCALE_COLUMNS, OP_COUNT_SPIKES,
  CTR_STEPS, CTR_EVENTS_IN, STDP_TRACE_FLOOR, OP_IZH, OP_LIF_COND, OP_DENSE_I16, OP_FLUSH_I16,
  OP_STDP_PRE_I8, OP_STDP_POST_I8, OP_SCALE_COLUMNS_I8,
  OP_DENSE_GATHER_F32, OP_STDP_PRE_COLS, OP_STDP_POST_ROWS, OP_SCALE_ROWS, OP_ESCAPE,
  OP_DECAY, OP_TRIPLET_PRE, OP_TRIPLET_POST, OP_SYMSTDP_PRE, OP_SYMSTDP_POST, OP_RSTDP,
} from './abi';
import { rstdp_step_f32 } from './plasticity/rstdp';
import { triplet_pre_f32, triplet_post_f32 } from './plasticity/stdp_triplet';
import { symstdp_pre_f32, symstdp_post_f32 } from './plasticity/stdp_symmetric';
import { escape_step_f32 } from './neurons/escape';
import { dense_gather_f32, stdp_pre_cols_f32, stdp_post_rows_f32, scale_rows_f32 } from './plasticity/stdp_post_major';
import { stdp_pre_i8, stdp_post_i8, scale_columns_i8 } from './plasticity/stdp_i8';
import { lif_cond_step_f32 } from './neurons/lif_cond';
import { izh_step_f32 } from './neurons/izhikevich';
import { count } from './util/counters';
import { lif_step_f32, lif_reset_f32 } from './neurons/lif';
import { wta_select_f32 } from './neurons/wta';
import { dense_accumulate_f32, dense_accumulate_i8, dense_flush_i8, dense_accumulate_i16, dense_flush_i16 } from './synapses/dense';
import { trace_decay_f32 } from './plasticity/traces';
import { stdp_pre_f32, stdp_post_f32 } from './plasticity/stdp_pair';
import { scale_columns_f32 } from './plasticity/scaling';
import { spike_count_f32 } from './util/spikes';

// @ts-ignore: decorator
@inline
function arg(op: usize, k: i32): i32 {
  return load<i32>(op + 8 + (<usize>k << 2));
}

// @ts-ignore: decorator
@inline
function descPtr(d: usize): usize {
  return <usize>load<u32>(d);
}

// @ts-ignore: decorator
@inline
function descCount(d: usize): i32 {
  return load<i32>(d, 4);
}

/**
 * Runs nSteps steps of the schedule at `program` (nOps ops) for the ops whose phase mask
 * intersects `phase`. `stepCounter` is an f64 slot incremented once per step (checkpointed).
 */
export function net_run(program: usize, nOps: i32, nSteps: i32, phase: i32, stepCounter: usize): void {
  for (let s = 0; s < nSteps; s++) {
    for (let o = 0; o < nOps; o++) {
      const op = program + ((<usize>o * <usize>OP_WORDS) << 2);
      if ((load<i32>(op, 4) & phase) == 0) continue;
      const code = load<i32>(op);
      if (code == OP_INPUT) {
        const d = <usize>arg(op, 0);
        const offsets = <usize>arg(op, 1);
        const indices = <usize>arg(op, 2);
        const a = load<u32>(offsets + (<usize>s << 2));
        const b = load<u32>(offsets + (<usize>(s + 1) << 2));
        store<u32>(d, <u32>(indices + (<usize>a << 2)));
        store<i32>(d, <i32>(b - a), 4);
        count(CTR_EVENTS_IN, <f64>(b - a));
      } else if (code == OP_LIF) {
        const d = <usize>arg(op, 3);
        const buf = <usize>arg(op, 4);
        const ns = lif_step_f32(arg(op, 0), <usize>arg(op, 1), <usize>arg(op, 2), buf, <usize>arg(op, 5));
        store<u32>(d, <u32>buf);
        store<i32>(d, ns, 4);
      } else if (code == OP_IZH) {
        const d = <usize>arg(op, 3);
        const buf = <usize>arg(op, 4);
        const ns = izh_step_f32(arg(op, 0), <usize>arg(op, 1), <usize>arg(op, 2), buf, <usize>arg(op, 5));
        store<u32>(d, <u32>buf);
        store<i32>(d, ns, 4);
      } else if (code == OP_LIF_COND) {
        const d = <usize>arg(op, 3);
        const buf = <usize>arg(op, 4);
        const ns = lif_cond_step_f32(arg(op, 0), <usize>arg(op, 1), <usize>arg(op, 2), buf, <usize>arg(op, 5));
        store<u32>(d, <u32>buf);
        store<i32>(d, ns, 4);
      } else if (code == OP_ESCAPE) {
        const d = <usize>arg(op, 3);
        const buf = <usize>arg(op, 4);
        const ns = escape_step_f32(arg(op, 0), <usize>arg(op, 1), <usize>arg(op, 2), <usize>arg(op, 6), buf, <usize>arg(op, 5));
        store<u32>(d, <u32>buf);
        store<i32>(d, ns, 4);
      } else if (code == OP_WTA) {
        const d = <usize>arg(op, 2);
        const kept = wta_select_f32(arg(op, 0), <usize>arg(op, 1), descPtr(d), <usize>arg(op, 3), descCount(d), <usize>arg(op, 4));
        store<i32>(d, kept, 4);
      } else if (code == OP_LIF_RESET) {
        const d = <usize>arg(op, 3);
        lif_reset_f32(arg(op, 0), <usize>arg(op, 1), <usize>arg(op, 2), descPtr(d), descCount(d));
      } else if (code == OP_DENSE_F32) {
        const d = <usize>arg(op, 3);
        dense_accumulate_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), <usize>arg(op, 4));
      } else if (code == OP_DENSE_I8) {
        const d = <usize>arg(op, 3);
        dense_accumulate_i8(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), <usize>arg(op, 4));
      } else if (code == OP_DENSE_I16) {
        const d = <usize>arg(op, 3);
        dense_accumulate_i16(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), <usize>arg(op, 4));
      } else if (code == OP_FLUSH_I16) {
        dense_flush_i16(<usize>arg(op, 0), <usize>arg(op, 1), arg(op, 2), <usize>arg(op, 3));
      } else if (code == OP_FLUSH_I8) {
        dense_flush_i8(<usize>arg(op, 0), <usize>arg(op, 1), arg(op, 2), <usize>arg(op, 3));
      } else if (code == OP_TRACE_DECAY) {
        // args: trace, n, params (stdp block), which (0 = pre, 1 = post)
        const params = <usize>arg(op, 2);
        const alpha = load<f32>(params + (<usize>(6 + arg(op, 3)) << 2));
        trace_decay_f32(<usize>arg(op, 0), arg(op, 1), alpha, load<f32>(params + (<usize>STDP_TRACE_FLOOR << 2)));
      } else if (code == OP_STDP_PRE) {
        const d = <usize>arg(op, 3);
        stdp_pre_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), <usize>arg(op, 4), <usize>arg(op, 5), <usize>arg(op, 6));
      } else if (code == OP_STDP_POST) {
        const d = <usize>arg(op, 3);
        stdp_post_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), <usize>arg(op, 4), <usize>arg(op, 5), <usize>arg(op, 6));
      } else if (code == OP_SCALE_COLUMNS) {
        const d = <usize>arg(op, 3);
        scale_columns_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), load<f32>(<usize>arg(op, 4)), arg(op, 5) != 0);
      } else if (code == OP_STDP_PRE_I8) {
        const d = <usize>arg(op, 3);
        stdp_pre_i8(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), <usize>arg(op, 4), <usize>arg(op, 5), <usize>arg(op, 6), <usize>arg(op, 7));
      } else if (code == OP_STDP_POST_I8) {
        const d = <usize>arg(op, 3);
        stdp_post_i8(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), <usize>arg(op, 4), <usize>arg(op, 5), <usize>arg(op, 6), <usize>arg(op, 7));
      } else if (code == OP_SCALE_COLUMNS_I8) {
        const d = <usize>arg(op, 3);
        scale_columns_i8(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), load<f32>(<usize>arg(op, 4)), arg(op, 5) != 0, <usize>arg(op, 6), <usize>arg(op, 7));
      } else if (code == OP_DENSE_GATHER_F32) {
        const d = <usize>arg(op, 3);
        dense_gather_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), <usize>arg(op, 4));
      } else if (code == OP_STDP_PRE_COLS) {
        const d = <usize>arg(op, 3);
        stdp_pre_cols_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), <usize>arg(op, 4), <usize>arg(op, 5), <usize>arg(op, 6));
      } else if (code == OP_STDP_POST_ROWS) {
        const d = <usize>arg(op, 3);
        stdp_post_rows_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), <usize>arg(op, 4), <usize>arg(op, 5), <usize>arg(op, 6));
      } else if (code == OP_SCALE_ROWS) {
        const d = <usize>arg(op, 3);
        scale_rows_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), load<f32>(<usize>arg(op, 4)), arg(op, 5) != 0);
      } else if (code == OP_DECAY) {
        trace_decay_f32(<usize>arg(op, 0), arg(op, 1), load<f32>(<usize>arg(op, 2)), load<f32>(<usize>arg(op, 3)));
      } else if (code == OP_TRIPLET_PRE) {
        const d = <usize>arg(op, 3);
        triplet_pre_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), <usize>arg(op, 4), <usize>arg(op, 5), <usize>arg(op, 6), <usize>arg(op, 7));
      } else if (code == OP_TRIPLET_POST) {
        const d = <usize>arg(op, 3);
        triplet_post_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), <usize>arg(op, 4), <usize>arg(op, 5), <usize>arg(op, 6), <usize>arg(op, 7));
      } else if (code == OP_SYMSTDP_PRE) {
        const d = <usize>arg(op, 3);
        symstdp_pre_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), <usize>arg(op, 4), <usize>arg(op, 5), <usize>arg(op, 6));
      } else if (code == OP_SYMSTDP_POST) {
        const d = <usize>arg(op, 3);
        symstdp_post_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), <usize>arg(op, 4), <usize>arg(op, 5), <usize>arg(op, 6));
      } else if (code == OP_RSTDP) {
        const ds = <usize>arg(op, 3);
        const dd = <usize>arg(op, 4);
        rstdp_step_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(ds), descCount(ds), descPtr(dd), descCount(dd), <usize>arg(op, 5), <usize>arg(op, 6), <usize>arg(op, 7), <usize>arg(op, 8));
      } else if (code == OP_COUNT_SPIKES) {
        const d = <usize>arg(op, 2);
        spike_count_f32(<usize>arg(op, 0), arg(op, 1), descPtr(d), descCount(d));
      } else {
        unreachable();
      }
    }
    store<f64>(stepCounter, load<f64>(stepCounter) + 1);
    count(CTR_STEPS, 1);
  }
}
