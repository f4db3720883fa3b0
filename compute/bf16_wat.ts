/**
 * The text of the float32 -> bfloat16 conversion kernels (WebAssembly text, assembled by `fused_wasm.ts` on the
 * tfjs heap's own memory): the bf16 products of `wasm_matmul.ts` convert their operands with them, to bf16 bit
 * patterns for a native bf16 GEMM, or to float32 values rounded to bf16 for an fp32 GEMM (the same numbers on a
 * CPU without native bf16). A TS module
 * rather than a .wat file so the stage code hashes (which follow imports) cover it.
 *
 * @module
 */

/** bf16.wat, with `__MEMORY__` for the imported memory's type. */
export const BF16_WAT =
  `;; float32 -> bfloat16 on TensorFlow.js's wasm heap (the module imports that heap's memory). Pointers are
;; byte offsets into it. Rounding is to nearest, ties to even, as PyTorch's and oneDNN's conversions do; a NaN
;; stays a (quiet) NaN rather than rounding into infinity.
(module
  (import "env" "memory" __MEMORY__)

  ;; Four floats' bit patterns rounded to their bf16 patterns, each in the low half of its 32-bit lane.
  (func $round4 (param $x v128) (result v128)
    (local $hi v128)
    (local.set $hi (i32x4.shr_u (local.get $x) (i32.const 16)))
    (v128.bitselect
      (v128.or (local.get $hi) (i32x4.splat (i32.const 0x40)))
      (i32x4.shr_u
        (i32x4.add (i32x4.add (local.get $x) (i32x4.splat (i32.const 0x7fff)))
                   (v128.and (local.get $hi) (i32x4.splat (i32.const 1))))
        (i32.const 16))
      (f32x4.ne (local.get $x) (local.get $x))))

;; One float's bit pattern $x rounded to its bf16 pattern (the scalar twin of $round4).
  (func $round1 (param $x i32) (result i32)
    (local $hi i32)
    (local.set $hi (i32.shr_u (local.get $x) (i32.const 16)))
    (select
      (i32.or (local.get $hi) (i32.const 0x40))
      (i32.shr_u
        (i32.add (i32.add (local.get $x) (i32.const 0x7fff)) (i32.and (local.get $hi) (i32.const 1)))
        (i32.const 16))
      (f32.ne (f32.reinterpret_i32 (local.get $x)) (f32.reinterpret_i32 (local.get $x)))))

  ;; dst[i] = bf16(src[i]) for n floats: eight at a time, then one at a time.
  (func (export "toBf16") (param $src i32) (param $dst i32) (param $n i32)
    (local $i i32) (local $end i32)
    (local.set $end (i32.and (local.get $n) (i32.const -8)))
    (block $vdone
      (loop $v
        (br_if $vdone (i32.ge_u (local.get $i) (local.get $end)))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 1)))
          (i16x8.narrow_i32x4_u
            (call $round4 (v128.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2)))))
            (call $round4 (v128.load offset=16 (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $v)))
    (block $done
      (loop $s
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store16 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 1)))
          (call $round1 (i32.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $s))))

  ;; dst[i] = src[i] rounded to bf16 and kept as a float32 (low 16 bits zero), for n floats (src = dst is fine).
  (func (export "roundBf16") (param $src i32) (param $dst i32) (param $n i32)
    (local $i i32) (local $end i32)
    (local.set $end (i32.and (local.get $n) (i32.const -4)))
    (block $vdone
      (loop $v
        (br_if $vdone (i32.ge_u (local.get $i) (local.get $end)))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2)))
          (i32x4.shl
            (call $round4 (v128.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2)))))
            (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $v)))
    (block $done
      (loop $s
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2)))
          (i32.shl (call $round1 (i32.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2)))))
                   (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $s))))
)
`;
