/**
 * The text of the convolution kernels of `fused_conv.ts` (WebAssembly text, assembled by `fused_wasm.ts`).
 * A TS module rather than a .wat file so the stage code hashes (which follow imports) cover it.
 *
 * @module
 */

/** fused_conv.wat, with `__MEMORY__` for the imported memory's type. */
export const CONV_WAT =
  `;; im2col and col2im of compute/fused_conv.ts on the tensors' bytes in TensorFlow.js's wasm heap (the
;; module imports that heap's memory; pointers are byte offsets into it). Images are [B, H, W, C], rows
;; [B*H*W, k*k*C] in (dy, dx, c) order, same padding (r = (k - 1) / 2 zeros on every side). A pixel's window
;; at one kernel row dy is one contiguous run of the image row, so im2col is a memory.copy per (pixel, dy)
;; and col2im an add of the same run (four lanes, then single floats).
(module
  (import "env" "memory" __MEMORY__)

  ;; Moves len bytes (a multiple of 4) from src to dst: memory.copy for long runs, words for short ones
  ;; (a bulk-memory call costs more than a few word moves).
  (func $copyRun (param $dst i32) (param $src i32) (param $len i32)
    (local $i i32)
    (if (i32.ge_u (local.get $len) (i32.const 64))
      (then (memory.copy (local.get $dst) (local.get $src) (local.get $len)) (return)))
    (block $done
      (loop $words
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (i32.store (i32.add (local.get $dst) (local.get $i)) (i32.load (i32.add (local.get $src) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $words))))

  ;; Zeroes len bytes (a multiple of 4) at dst, as $copyRun moves them.
  (func $zeroRun (param $dst i32) (param $len i32)
    (local $i i32)
    (if (i32.ge_u (local.get $len) (i32.const 64))
      (then (memory.fill (local.get $dst) (i32.const 0) (local.get $len)) (return)))
    (block $done
      (loop $words
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (i32.store (i32.add (local.get $dst) (local.get $i)) (i32.const 0))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $words))))

  ;; dst[i] += src[i] for len bytes (a multiple of 4).
  (func $addInto (param $dst i32) (param $src i32) (param $len i32)
    (local $i i32)
    (block $vecDone
      (loop $vec
        (br_if $vecDone (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $len)))
        (v128.store (i32.add (local.get $dst) (local.get $i))
          (f32x4.add (v128.load (i32.add (local.get $dst) (local.get $i)))
                     (v128.load (i32.add (local.get $src) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
    (block $oneDone
      (loop $one
        (br_if $oneDone (i32.ge_u (local.get $i) (local.get $len)))
        (f32.store (i32.add (local.get $dst) (local.get $i))
          (f32.add (f32.load (i32.add (local.get $dst) (local.get $i)))
                   (f32.load (i32.add (local.get $src) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $one))))

  ;; The walk both kernels share: for every pixel (b, y, x) and kernel row dy, its window's run of the image
  ;; row (columns from .. from + n inside the image) against the run of its im2col row. im2col (adjoint 0)
  ;; copies the image run in and zeroes the rest of the row's slot; col2im (adjoint 1) adds the row's run
  ;; back into the image (zeroed first by the caller).
  (func $windows
    (param $x i32) (param $cols i32) (param $B i32) (param $H i32) (param $W i32) (param $C i32) (param $k i32)
    (param $adjoint i32)
    (local $r i32) (local $cb i32) (local $kcb i32) (local $bh i32) (local $y i32) (local $px i32)
    (local $dy i32) (local $sy i32) (local $from i32) (local $n i32) (local $d i32) (local $tail i32)
    (local $img i32)
    (local.set $r (i32.shr_u (i32.sub (local.get $k) (i32.const 1)) (i32.const 1)))
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (local.set $kcb (i32.mul (local.get $k) (local.get $cb)))
    (local.set $d (local.get $cols))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $bh) (i32.mul (local.get $B) (local.get $H))))
        (local.set $y (i32.rem_u (local.get $bh) (local.get $H)))
        (local.set $px (i32.const 0))
        (block $rowDone
          (loop $pixels
            (br_if $rowDone (i32.ge_u (local.get $px) (local.get $W)))
            ;; columns before the left edge (from) and past the right edge (tail): r - x and x - r + k - W
            ;; when positive
            (local.set $from (select (i32.sub (local.get $r) (local.get $px)) (i32.const 0)
              (i32.gt_s (i32.sub (local.get $r) (local.get $px)) (i32.const 0))))
            (local.set $tail (i32.sub (i32.add (i32.sub (local.get $px) (local.get $r)) (local.get $k)) (local.get $W)))
            (local.set $tail (select (local.get $tail) (i32.const 0) (i32.gt_s (local.get $tail) (i32.const 0))))
            (local.set $n (i32.sub (i32.sub (local.get $k) (local.get $from)) (local.get $tail)))
            (local.set $dy (i32.const 0))
            (loop $taps
              (local.set $sy (i32.sub (i32.add (local.get $y) (local.get $dy)) (local.get $r)))
              (if (i32.or (i32.lt_s (local.get $sy) (i32.const 0)) (i32.ge_s (local.get $sy) (local.get $H)))
                (then (if (i32.eqz (local.get $adjoint)) (then (call $zeroRun (local.get $d) (local.get $kcb)))))
                (else
                  ;; the image run: row (b, sy), first column x - r + from
                  (local.set $img (i32.add (local.get $x)
                    (i32.mul (local.get $cb)
                      (i32.add
                        (i32.mul (i32.add (i32.sub (local.get $bh) (local.get $y)) (local.get $sy)) (local.get $W))
                        (i32.add (i32.sub (local.get $px) (local.get $r)) (local.get $from))))))
                  (if (local.get $adjoint)
                    (then
                      (call $addInto (local.get $img)
                        (i32.add (local.get $d) (i32.mul (local.get $from) (local.get $cb)))
                        (i32.mul (local.get $n) (local.get $cb))))
                    (else
                      (call $zeroRun (local.get $d) (i32.mul (local.get $from) (local.get $cb)))
                      (call $copyRun (i32.add (local.get $d) (i32.mul (local.get $from) (local.get $cb)))
                        (local.get $img) (i32.mul (local.get $n) (local.get $cb)))
                      (call $zeroRun
                        (i32.add (local.get $d) (i32.mul (i32.add (local.get $from) (local.get $n)) (local.get $cb)))
                        (i32.mul (local.get $tail) (local.get $cb)))))))
              (local.set $d (i32.add (local.get $d) (local.get $kcb)))
              (br_if $taps (i32.lt_u (local.tee $dy (i32.add (local.get $dy) (i32.const 1))) (local.get $k))))
            (local.set $px (i32.add (local.get $px) (i32.const 1)))
            (br $pixels)))
        (local.set $bh (i32.add (local.get $bh) (i32.const 1)))
        (br $rows))))

  (func (export "im2col")
    (param $x i32) (param $cols i32) (param $B i32) (param $H i32) (param $W i32) (param $C i32) (param $k i32)
    (call $windows (local.get $x) (local.get $cols) (local.get $B) (local.get $H) (local.get $W) (local.get $C)
      (local.get $k) (i32.const 0)))

  (func (export "col2im")
    (param $cols i32) (param $x i32) (param $B i32) (param $H i32) (param $W i32) (param $C i32) (param $k i32)
    (memory.fill (local.get $x) (i32.const 0)
      (i32.mul (i32.mul (i32.mul (local.get $B) (local.get $H)) (local.get $W)) (i32.shl (local.get $C) (i32.const 2))))
    (call $windows (local.get $x) (local.get $cols) (local.get $B) (local.get $H) (local.get $W) (local.get $C)
      (local.get $k) (i32.const 1)))
)
`;
