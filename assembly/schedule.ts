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
import { OP_TESS, OP_TEMPOTRON, OP_LIF_I16, OP_EPROP, OP_HEBBSIGN_PRE, OP_HEBBSIGN_POST, OP_DCOND, OP_EGDALE } from './abi';
import { hebbsign_pre_f32, hebbsign_post_f32 } from './plasticity/hebb_signed';
import { tess_step_f32, tempotron_step_f32, eprop_step_f32, dcond_step_f32, egdale_step_f32 } from './plasticity/spec_rules';
import { lif_step_i16 } from './neurons/lif_i16';
import {
  OP_CSR_F32, OP_CONV2D_F32, OP_BLOCK_F32, OP_BLOCK_PRUNE, OP_DELAY_F32, OP_DELAY_SYN_F32, OP_DELAY_DELIVER, OP_STP,
  OP_DENSE_SCALED_F32, OP_CSR_STDP, BLK_N_ACTIVE, BLK_G_IN, BLK_G_OUT, BLK_B_IN, BLK_B_OUT, BLK_N_PRUNE, BLK_EVERY, BLK_INIT_SCALE,
  CONV_W_IN, CONV_H_IN, CONV_C_IN,
} from './abi';
import { csr_accumulate_f32 } from './synapses/csr';
import { csr_stdp_pre_f32, csr_stdp_post_f32 } from './synapses/csr_stdp';
import { pi, pf } from './util/params';
import { conv2d_accumulate_f32 } from './synapses/conv2d';
import { block_accumulate_f32, block_prune_regrow_f32 } from './synapses/block_sparse';
import { delay_accumulate_f32, delay_accumulate_syn_f32, delay_deliver_f32 } from './synapses/delay';
import { stp_efficacy_f32, dense_accumulate_scaled_f32 } from './synapses/stp';
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

// ── connectivity ops (40-49) helpers ──────────────────────────────────────────────────────

/** Steps completed before the current one (the checkpointed clock), as an integer. */
// @ts-ignore: decorator
@inline
function clockSteps(clock: usize): u64 {
  return <u64>load<f64>(clock);
}

/**
 * Where a projection's input of this step goes: `target` (undelayed, nSlots == 0) or the slot
 * (clock + delay) mod nSlots of its delay ring f32[nSlots][nOut] (synapses/delay.ts), which
 * OP_DELAY_DELIVER adds to the target `delay` steps later.
 */
// @ts-ignore: decorator
@inline
function ringTarget(target: usize, ring: usize, nSlots: i32, delay: i32, nOut: i32, clock: usize): usize {
  if (nSlots <= 0) return target;
  const slot = <usize>((clockSteps(clock) + <u64>delay) % <u64>nSlots);
  return ring + ((slot * <usize>nOut) << 2);
}

/**
 * Spike indices of a [C][H][W] channel-major map (the sensor's `c plane + y W + x`, or a conv2d
 * population) -> the event SoA of conv2d_accumulate_f32: x u16, y u16, c u8 at ev, ev + 2 n,
 * ev + 4 n. An index past the map gets x = 0xffff, which the kernel counts as dropped.
 */
function conv_events_from_indices(idx: usize, nIdx: i32, params: usize, ev: usize, n: i32): void {
  const wIn = <u32>load<i32>(params + (<usize>CONV_W_IN << 2));
  const hIn = <u32>load<i32>(params + (<usize>CONV_H_IN << 2));
  const cIn = <u32>load<i32>(params + (<usize>CONV_C_IN << 2));
  const plane = wIn * hIn;
  const ey = ev + (<usize>n << 1);
  const ec = ev + (<usize>n << 2);
  for (let k = 0; k < nIdx; k++) {
    const i = load<u32>(idx + (<usize>k << 2));
    const o = <usize>k;
    if (plane == 0 || i >= plane * cIn) {
      store<u16>(ev + (o << 1), 0xffff);
      store<u16>(ey + (o << 1), 0);
      store<u8>(ec + o, 0);
      continue;
    }
    const c = i / plane;
    const r = i - c * plane;
    const y = r / wIn;
    store<u16>(ev + (o << 1), <u16>(r - y * wIn));
    store<u16>(ey + (o << 1), <u16>y);
    store<u8>(ec + o, <u8>c);
  }
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
      } else if (code == OP_CSR_F32) {
        // rowPtr u32[nIn + 1] | colIdx u32[nnz] | vals f32[nnz], contiguous from arg 0.
        const nIn = arg(op, 1);
        const nOut = arg(op, 2);
        const nnz = arg(op, 3);
        const d = <usize>arg(op, 4);
        const rowPtr = <usize>arg(op, 0);
        const colIdx = rowPtr + ((<usize>(nIn + 1)) << 2);
        const vals = colIdx + ((<usize>nnz) << 2);
        const t = ringTarget(<usize>arg(op, 5), <usize>arg(op, 7), arg(op, 8), arg(op, 9), nOut, stepCounter);
        csr_accumulate_f32(rowPtr, colIdx, vals, nIn, nOut, nnz, descPtr(d), descCount(d), t, <usize>arg(op, 6));
      } else if (code == OP_CONV2D_F32) {
        const params = <usize>arg(op, 1);
        const d = <usize>arg(op, 2);
        const ev = <usize>arg(op, 3);
        const cap = arg(op, 4);
        let n = descCount(d);
        if (n > cap) n = cap; // the plan sizes ev for the source's largest list: never taken
        conv_events_from_indices(descPtr(d), n, params, ev, cap);
        const t = ringTarget(<usize>arg(op, 5), <usize>arg(op, 6), arg(op, 7), arg(op, 8), arg(op, 9), stepCounter);
        conv2d_accumulate_f32(<usize>arg(op, 0), params, ev, ev + (<usize>cap << 1), ev + (<usize>cap << 2), n, t);
      } else if (code == OP_BLOCK_F32) {
        const bp = <usize>arg(op, 2);
        const d = <usize>arg(op, 3);
        const t = ringTarget(<usize>arg(op, 4), <usize>arg(op, 5), arg(op, 6), arg(op, 7), arg(op, 8), stepCounter);
        block_accumulate_f32(<usize>arg(op, 0), <usize>arg(op, 1), pi(bp, BLK_N_ACTIVE), pi(bp, BLK_G_IN), pi(bp, BLK_G_OUT), pi(bp, BLK_B_IN), pi(bp, BLK_B_OUT), descPtr(d), descCount(d), t);
      } else if (code == OP_BLOCK_PRUNE) {
        // Rewires after every BLK_EVERY-th step of the clock (learning phase only).
        const bp = <usize>arg(op, 3);
        const every = pi(bp, BLK_EVERY);
        if (every > 0 && (clockSteps(stepCounter) + 1) % <u64>every == 0) {
          block_prune_regrow_f32(<usize>arg(op, 0), <usize>arg(op, 1), <usize>arg(op, 2), pi(bp, BLK_N_ACTIVE), pi(bp, BLK_G_IN), pi(bp, BLK_G_OUT), pi(bp, BLK_B_IN), pi(bp, BLK_B_OUT), pi(bp, BLK_N_PRUNE), pf(bp, BLK_INIT_SCALE), <usize>arg(op, 4), <usize>arg(op, 5));
        }
      } else if (code == OP_DELAY_F32) {
        const d = <usize>arg(op, 3);
        const nSlots = arg(op, 5);
        const step = nSlots > 0 ? <i32>(clockSteps(stepCounter) % <u64>nSlots) : 0;
        delay_accumulate_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), <usize>arg(op, 4), nSlots, step, arg(op, 6));
      } else if (code == OP_DELAY_SYN_F32) {
        const d = <usize>arg(op, 4);
        const nSlots = arg(op, 6);
        const step = nSlots > 0 ? <i32>(clockSteps(stepCounter) % <u64>nSlots) : 0;
        delay_accumulate_syn_f32(<usize>arg(op, 0), <usize>arg(op, 1), arg(op, 2), arg(op, 3), descPtr(d), descCount(d), <usize>arg(op, 5), nSlots, step);
      } else if (code == OP_DELAY_DELIVER) {
        const nSlots = arg(op, 1);
        const step = nSlots > 0 ? <i32>(clockSteps(stepCounter) % <u64>nSlots) : 0;
        delay_deliver_f32(<usize>arg(op, 0), nSlots, step, arg(op, 2), <usize>arg(op, 3));
      } else if (code == OP_STP) {
        // STP remembers each unit's last spike step as i32: exact for the first 2^31 steps.
        const d = <usize>arg(op, 3);
        stp_efficacy_f32(<usize>arg(op, 0), arg(op, 1), <usize>arg(op, 2), descPtr(d), descCount(d), <i32>clockSteps(stepCounter), <usize>arg(op, 4));
      } else if (code == OP_CSR_STDP) {
        // Pair STDP on a CSR projection: the pre pathway, then the post pathway (Brian2 order).
        const ds = <usize>arg(op, 5);
        const dd = <usize>arg(op, 6);
        csr_stdp_pre_f32(<usize>arg(op, 0), arg(op, 2), arg(op, 3), arg(op, 4), descPtr(ds), descCount(ds), <usize>arg(op, 7), <usize>arg(op, 8), <usize>arg(op, 9));
        csr_stdp_post_f32(<usize>arg(op, 0), <usize>arg(op, 1), arg(op, 2), arg(op, 3), arg(op, 4), descPtr(dd), descCount(dd), <usize>arg(op, 7), <usize>arg(op, 8), <usize>arg(op, 9));
      } else if (code == OP_DENSE_SCALED_F32) {
        const d = <usize>arg(op, 3);
        const nOut = arg(op, 2);
        const t = ringTarget(<usize>arg(op, 5), <usize>arg(op, 6), arg(op, 7), arg(op, 8), nOut, stepCounter);
        dense_accumulate_scaled_f32(<usize>arg(op, 0), arg(op, 1), nOut, descPtr(d), descCount(d), <usize>arg(op, 4), t);
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
      } else if (code == OP_TESS) {
        const ds = <usize>arg(op, 3);
        const dd = <usize>arg(op, 4);
        tess_step_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(ds), descCount(ds), descPtr(dd), descCount(dd), <usize>arg(op, 5), <usize>arg(op, 6), <usize>arg(op, 7), <usize>arg(op, 8), <usize>arg(op, 9));
      } else if (code == OP_EGDALE) {
        const ds = <usize>arg(op, 3);
        const dd = <usize>arg(op, 4);
        egdale_step_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(ds), descCount(ds), descPtr(dd), descCount(dd), <usize>arg(op, 5), <usize>arg(op, 6), <usize>arg(op, 7), <usize>arg(op, 8));
      } else if (code == OP_DCOND) {
        const ds = <usize>arg(op, 3);
        const dd = <usize>arg(op, 4);
        dcond_step_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(ds), descCount(ds), descPtr(dd), descCount(dd), <usize>arg(op, 5), <usize>arg(op, 6), <usize>arg(op, 7), <usize>arg(op, 8));
      } else if (code == OP_HEBBSIGN_PRE) {
        const d = <usize>arg(op, 3);
        hebbsign_pre_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), <usize>arg(op, 4), <usize>arg(op, 5), <usize>arg(op, 6), <usize>arg(op, 7));
      } else if (code == OP_HEBBSIGN_POST) {
        const d = <usize>arg(op, 3);
        hebbsign_post_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(d), descCount(d), <usize>arg(op, 4), <usize>arg(op, 5), <usize>arg(op, 6), <usize>arg(op, 7));
      } else if (code == OP_EPROP) {
        const ds = <usize>arg(op, 3);
        const dd = <usize>arg(op, 4);
        eprop_step_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(ds), descCount(ds), descPtr(dd), descCount(dd), <usize>arg(op, 5), <usize>arg(op, 6), <usize>arg(op, 7), <usize>arg(op, 8), <usize>arg(op, 9));
      } else if (code == OP_TEMPOTRON) {
        const ds = <usize>arg(op, 3);
        tempotron_step_f32(<usize>arg(op, 0), arg(op, 1), arg(op, 2), descPtr(ds), descCount(ds), <usize>arg(op, 4), <usize>arg(op, 5), <usize>arg(op, 6), <usize>arg(op, 7), <usize>arg(op, 8), <usize>arg(op, 9));
      } else if (code == OP_LIF_I16) {
        // The fixed-point neuron resets in its own kernel; its input is an i32 accumulator.
        const d = <usize>arg(op, 3);
        const buf = <usize>arg(op, 4);
        const ns = lif_step_i16(arg(op, 0), <usize>arg(op, 1), <usize>arg(op, 2), <usize>arg(op, 5), buf);
        store<u32>(d, <u32>buf);
        store<i32>(d, ns, 4);
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
