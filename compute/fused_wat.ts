/**
 * The text of the SIMD kernels of `fused.ts` (WebAssembly text, assembled by `fused_wasm.ts`). A TS module
 * rather than a .wat file so the stage code hashes (which follow imports) cover it.
 *
 * @module
 */

/** fused.wat, with `__MEMORY__` for the imported memory's type. */
export const FUSED_WAT =
  `;; SIMD (f32x4) kernels of compute/fused.ts, run on the tensors' bytes in TensorFlow.js's wasm heap: the
;; module imports that heap's memory. Every pointer is a byte offset into it; every length is a multiple of 4
;; floats (the caller takes its JS loops otherwise). Sums are four-lane float32 partial sums.
;; The loader fills in the imported memory's type from the heap's (shared under the threaded build).
(module
  (import "env" "memory" __MEMORY__)

  ;; Sum of the four lanes.
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; y = (x - mean) * rstd * g + b for each row of x [N, C]; rms: mean = 0 and rstd from mean(x^2).
  ;; Writes each row's mean and rstd. g and b are [N / per, C]: row r takes row r / per of each (per = N: one
  ;; gain for all rows; per = L: adaLN's per-sample modulation); ones and zeros when the norm has none.
  (func (export "norm")
    (param $x i32) (param $g0 i32) (param $b0 i32) (param $y i32) (param $mean i32) (param $rstd i32)
    (param $N i32) (param $C i32) (param $eps f32) (param $rms i32) (param $per i32)
    (local $r i32) (local $c i32) (local $bytes i32) (local $xr i32) (local $yr i32) (local $g i32) (local $b i32)
    (local $acc v128) (local $d v128) (local $vm v128) (local $vr v128) (local $m f32) (local $rs f32)
    (local.set $bytes (i32.shl (local.get $C) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $r) (local.get $N)))
        (local.set $xr (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $bytes))))
        (local.set $yr (i32.add (local.get $y) (i32.mul (local.get $r) (local.get $bytes))))
        (local.set $g (i32.add (local.get $g0) (i32.mul (i32.div_u (local.get $r) (local.get $per)) (local.get $bytes))))
        (local.set $b (i32.add (local.get $b0) (i32.mul (i32.div_u (local.get $r) (local.get $per)) (local.get $bytes))))
        ;; mean
        (local.set $m (f32.const 0))
        (if (i32.eqz (local.get $rms))
          (then
            (local.set $acc (v128.const f32x4 0 0 0 0))
            (local.set $c (i32.const 0))
            (loop $sum
              (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (local.get $xr) (local.get $c)))))
              (br_if $sum (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 16))) (local.get $bytes))))
            (local.set $m (f32.div (call $hsum (local.get $acc)) (f32.convert_i32_u (local.get $C))))))
        (local.set $vm (f32x4.splat (local.get $m)))
        ;; variance (or mean square)
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $c (i32.const 0))
        (loop $var
          (local.set $d (f32x4.sub (v128.load (i32.add (local.get $xr) (local.get $c))) (local.get $vm)))
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $d) (local.get $d))))
          (br_if $var (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 16))) (local.get $bytes))))
        (local.set $rs
          (f32.div (f32.const 1)
            (f32.sqrt (f32.add (f32.div (call $hsum (local.get $acc)) (f32.convert_i32_u (local.get $C)))
                               (local.get $eps)))))
        (f32.store (i32.add (local.get $mean) (i32.shl (local.get $r) (i32.const 2))) (local.get $m))
        (f32.store (i32.add (local.get $rstd) (i32.shl (local.get $r) (i32.const 2))) (local.get $rs))
        (local.set $vr (f32x4.splat (local.get $rs)))
        ;; output
        (local.set $c (i32.const 0))
        (loop $out
          (v128.store (i32.add (local.get $yr) (local.get $c))
            (f32x4.add
              (f32x4.mul
                (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $xr) (local.get $c))) (local.get $vm))
                           (local.get $vr))
                (v128.load (i32.add (local.get $g) (local.get $c))))
              (v128.load (i32.add (local.get $b) (local.get $c)))))
          (br_if $out (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 16))) (local.get $bytes))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; Gradient of norm: with xhat = (x - mean) * rstd and h = dy * g,
  ;; dx = rstd * (h - mean(h) - xhat * mean(h * xhat)) (rms: without mean(h)); dg = sum of dy * xhat and
  ;; db = sum of dy over each group's rows (dg and db [N / per, C] are zeroed first).
  (func (export "normGrad")
    (param $dy i32) (param $x i32) (param $g0 i32) (param $mean i32) (param $rstd i32)
    (param $dx i32) (param $dg0 i32) (param $db0 i32) (param $N i32) (param $C i32) (param $rms i32) (param $per i32)
    (local $r i32) (local $c i32) (local $bytes i32) (local $xr i32) (local $dyr i32) (local $dxr i32)
    (local $g i32) (local $dg i32) (local $db i32) (local $grp i32)
    (local $d v128) (local $xh v128) (local $h v128) (local $sh v128) (local $shx v128)
    (local $vm v128) (local $vr v128) (local $va v128) (local $vk v128) (local $inv f32)
    (local.set $bytes (i32.shl (local.get $C) (i32.const 2)))
    (local.set $inv (f32.div (f32.const 1) (f32.convert_i32_u (local.get $C))))
    (memory.fill (local.get $dg0) (i32.const 0)
      (i32.mul (i32.div_u (local.get $N) (local.get $per)) (local.get $bytes)))
    (memory.fill (local.get $db0) (i32.const 0)
      (i32.mul (i32.div_u (local.get $N) (local.get $per)) (local.get $bytes)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $r) (local.get $N)))
        (local.set $grp (i32.mul (i32.div_u (local.get $r) (local.get $per)) (local.get $bytes)))
        (local.set $g (i32.add (local.get $g0) (local.get $grp)))
        (local.set $dg (i32.add (local.get $dg0) (local.get $grp)))
        (local.set $db (i32.add (local.get $db0) (local.get $grp)))
        (local.set $xr (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $bytes))))
        (local.set $dyr (i32.add (local.get $dy) (i32.mul (local.get $r) (local.get $bytes))))
        (local.set $dxr (i32.add (local.get $dx) (i32.mul (local.get $r) (local.get $bytes))))
        (local.set $vm (f32x4.splat (f32.load (i32.add (local.get $mean) (i32.shl (local.get $r) (i32.const 2))))))
        (local.set $vr (f32x4.splat (f32.load (i32.add (local.get $rstd) (i32.shl (local.get $r) (i32.const 2))))))
        (local.set $sh (v128.const f32x4 0 0 0 0))
        (local.set $shx (v128.const f32x4 0 0 0 0))
        (local.set $c (i32.const 0))
        (loop $sums
          (local.set $d (v128.load (i32.add (local.get $dyr) (local.get $c))))
          (local.set $xh
            (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $xr) (local.get $c))) (local.get $vm)) (local.get $vr)))
          (local.set $h (f32x4.mul (local.get $d) (v128.load (i32.add (local.get $g) (local.get $c)))))
          (local.set $sh (f32x4.add (local.get $sh) (local.get $h)))
          (local.set $shx (f32x4.add (local.get $shx) (f32x4.mul (local.get $h) (local.get $xh))))
          (v128.store (i32.add (local.get $dg) (local.get $c))
            (f32x4.add (v128.load (i32.add (local.get $dg) (local.get $c))) (f32x4.mul (local.get $d) (local.get $xh))))
          (v128.store (i32.add (local.get $db) (local.get $c))
            (f32x4.add (v128.load (i32.add (local.get $db) (local.get $c))) (local.get $d)))
          (br_if $sums (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 16))) (local.get $bytes))))
        (local.set $va (v128.const f32x4 0 0 0 0))
        (if (i32.eqz (local.get $rms))
          (then (local.set $va (f32x4.splat (f32.mul (call $hsum (local.get $sh)) (local.get $inv))))))
        (local.set $vk (f32x4.splat (f32.mul (call $hsum (local.get $shx)) (local.get $inv))))
        (local.set $c (i32.const 0))
        (loop $grad
          (local.set $xh
            (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $xr) (local.get $c))) (local.get $vm)) (local.get $vr)))
          (local.set $h
            (f32x4.mul (v128.load (i32.add (local.get $dyr) (local.get $c))) (v128.load (i32.add (local.get $g) (local.get $c)))))
          (v128.store (i32.add (local.get $dxr) (local.get $c))
            (f32x4.mul (local.get $vr)
              (f32x4.sub (f32x4.sub (local.get $h) (local.get $va)) (f32x4.mul (local.get $xh) (local.get $vk)))))
          (br_if $grad (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 16))) (local.get $bytes))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; y = gate * s * up over n floats (SwiGLU's product; s = sigmoid(gate) from the stock kernel, which is
  ;; faster than a four-lane exp here).
  (func (export "swiglu") (param $gate i32) (param $s i32) (param $up i32) (param $y i32) (param $n i32)
    (local $i i32) (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (loop $l
      (v128.store (i32.add (local.get $y) (local.get $i))
        (f32x4.mul
          (f32x4.mul (v128.load (i32.add (local.get $gate) (local.get $i))) (v128.load (i32.add (local.get $s) (local.get $i))))
          (v128.load (i32.add (local.get $up) (local.get $i)))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $bytes)))))

  ;; dgate = dy * up * s * (1 + gate * (1 - s)), dup = dy * gate * s.
  (func (export "swigluGrad")
    (param $dy i32) (param $gate i32) (param $s i32) (param $up i32) (param $dgate i32) (param $dup i32) (param $n i32)
    (local $i i32) (local $bytes i32) (local $d v128) (local $x v128) (local $si v128) (local $one v128)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $one (f32x4.splat (f32.const 1)))
    (loop $l
      (local.set $d (v128.load (i32.add (local.get $dy) (local.get $i))))
      (local.set $x (v128.load (i32.add (local.get $gate) (local.get $i))))
      (local.set $si (v128.load (i32.add (local.get $s) (local.get $i))))
      (v128.store (i32.add (local.get $dup) (local.get $i))
        (f32x4.mul (f32x4.mul (local.get $d) (local.get $x)) (local.get $si)))
      (v128.store (i32.add (local.get $dgate) (local.get $i))
        (f32x4.mul
          (f32x4.mul (f32x4.mul (local.get $d) (v128.load (i32.add (local.get $up) (local.get $i)))) (local.get $si))
          (f32x4.add (local.get $one)
            (f32x4.mul (local.get $x) (f32x4.sub (local.get $one) (local.get $si))))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $bytes)))))

  ;; dgate = dy * s * (1 + gate * (1 - s)) (SiLU's gradient).
  (func (export "siluGrad") (param $dy i32) (param $gate i32) (param $s i32) (param $dgate i32) (param $n i32)
    (local $i i32) (local $bytes i32) (local $x v128) (local $si v128) (local $one v128)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $one (f32x4.splat (f32.const 1)))
    (loop $l
      (local.set $x (v128.load (i32.add (local.get $gate) (local.get $i))))
      (local.set $si (v128.load (i32.add (local.get $s) (local.get $i))))
      (v128.store (i32.add (local.get $dgate) (local.get $i))
        (f32x4.mul (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $i))) (local.get $si))
          (f32x4.add (local.get $one) (f32x4.mul (local.get $x) (f32x4.sub (local.get $one) (local.get $si))))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $bytes)))))

  ;; Attention's head layout: split moves x [B*L, H*D] to [B, H, L, D], merge moves back. With rope, each
  ;; value is rotated: out[d] = scale * (in[d] cos[l, d] + in[partner[d]] sinS[l, j]) with j = d when
  ;; splitting and j = partner[d] when merging (the rotation's transpose, for the gradient). partner holds
  ;; byte offsets (4 * index) [D]; cos and sinS are [L, D]. Four lanes at a time (D % 4 = 0), the partners
  ;; gathered lane by lane; without rope a four-lane scaled copy.
  (func (export "heads")
    (param $in i32) (param $cos i32) (param $sin i32) (param $partner i32) (param $out i32)
    (param $B i32) (param $L i32) (param $H i32) (param $D i32) (param $scale f32) (param $rope i32) (param $merge i32)
    (local $b i32) (local $l i32) (local $h i32) (local $d i32) (local $bytes i32) (local $rowOff i32) (local $headOff i32)
    (local $src i32) (local $dst i32) (local $t i32) (local $vs v128)
    (local $pa i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $sr i32)
    (local $pv v128) (local $sv v128)
    (local.set $bytes (i32.shl (local.get $D) (i32.const 2)))
    (local.set $vs (f32x4.splat (local.get $scale)))
    (loop $lb
      (local.set $l (i32.const 0))
      (loop $ll
        (local.set $t (i32.mul (local.get $l) (local.get $bytes)))
        (local.set $h (i32.const 0))
        (loop $lh
          (local.set $rowOff
            (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $L)) (local.get $l)) (local.get $H))
                              (local.get $h))
                     (local.get $bytes)))
          (local.set $headOff
            (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $H)) (local.get $h)) (local.get $L))
                              (local.get $l))
                     (local.get $bytes)))
          (if (local.get $merge)
            (then (local.set $src (i32.add (local.get $in) (local.get $headOff)))
                  (local.set $dst (i32.add (local.get $out) (local.get $rowOff))))
            (else (local.set $src (i32.add (local.get $in) (local.get $rowOff)))
                  (local.set $dst (i32.add (local.get $out) (local.get $headOff)))))
          (local.set $d (i32.const 0))
          (if (local.get $rope)
            (then
              ;; four dims at a time: the partners' values (and, merging, their sines) gathered lane by lane
              (loop $ld
                (local.set $pa (i32.add (local.get $partner) (local.get $d)))
                (local.set $p0 (i32.load (local.get $pa)))
                (local.set $p1 (i32.load offset=4 (local.get $pa)))
                (local.set $p2 (i32.load offset=8 (local.get $pa)))
                (local.set $p3 (i32.load offset=12 (local.get $pa)))
                (local.set $pv
                  (f32x4.replace_lane 3
                    (f32x4.replace_lane 2
                      (f32x4.replace_lane 1
                        (f32x4.splat (f32.load (i32.add (local.get $src) (local.get $p0))))
                        (f32.load (i32.add (local.get $src) (local.get $p1))))
                      (f32.load (i32.add (local.get $src) (local.get $p2))))
                    (f32.load (i32.add (local.get $src) (local.get $p3)))))
                (local.set $sr (i32.add (local.get $sin) (local.get $t)))
                (if (local.get $merge)
                  (then
                    (local.set $sv
                      (f32x4.replace_lane 3
                        (f32x4.replace_lane 2
                          (f32x4.replace_lane 1
                            (f32x4.splat (f32.load (i32.add (local.get $sr) (local.get $p0))))
                            (f32.load (i32.add (local.get $sr) (local.get $p1))))
                          (f32.load (i32.add (local.get $sr) (local.get $p2))))
                        (f32.load (i32.add (local.get $sr) (local.get $p3))))))
                  (else (local.set $sv (v128.load (i32.add (local.get $sr) (local.get $d))))))
                (v128.store (i32.add (local.get $dst) (local.get $d))
                  (f32x4.mul (local.get $vs)
                    (f32x4.add
                      (f32x4.mul (v128.load (i32.add (local.get $src) (local.get $d)))
                                 (v128.load (i32.add (i32.add (local.get $cos) (local.get $t)) (local.get $d))))
                      (f32x4.mul (local.get $pv) (local.get $sv)))))
                (br_if $ld (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 16))) (local.get $bytes)))))
            (else
              (loop $lc
                (v128.store (i32.add (local.get $dst) (local.get $d))
                  (f32x4.mul (local.get $vs) (v128.load (i32.add (local.get $src) (local.get $d)))))
                (br_if $lc (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 16))) (local.get $bytes))))))
          (br_if $lh (i32.lt_u (local.tee $h (i32.add (local.get $h) (i32.const 1))) (local.get $H))))
        (br_if $ll (i32.lt_u (local.tee $l (i32.add (local.get $l) (i32.const 1))) (local.get $L))))
      (br_if $lb (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $B)))))

  ;; Softmax's gradient over rows of y = softmax(x) [rows, cols]: dx = y * (dy - sum(dy * y)).
  (func (export "softmaxGrad") (param $dy i32) (param $y i32) (param $dx i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $c i32) (local $bytes i32) (local $o i32) (local $acc v128) (local $dot v128)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (block $done
      (loop $lr
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $o (i32.mul (local.get $r) (local.get $bytes)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $c (i32.const 0))
        (loop $ls
          (local.set $acc
            (f32x4.add (local.get $acc)
              (f32x4.mul (v128.load (i32.add (i32.add (local.get $dy) (local.get $o)) (local.get $c)))
                         (v128.load (i32.add (i32.add (local.get $y) (local.get $o)) (local.get $c))))))
          (br_if $ls (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 16))) (local.get $bytes))))
        (local.set $dot (f32x4.splat (call $hsum (local.get $acc))))
        (local.set $c (i32.const 0))
        (loop $lw
          (v128.store (i32.add (i32.add (local.get $dx) (local.get $o)) (local.get $c))
            (f32x4.mul (v128.load (i32.add (i32.add (local.get $y) (local.get $o)) (local.get $c)))
              (f32x4.sub (v128.load (i32.add (i32.add (local.get $dy) (local.get $o)) (local.get $c))) (local.get $dot))))
          (br_if $lw (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 16))) (local.get $bytes))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $lr))))
  ;; One AdamW update over n floats (models/optim.ts): with g' = g * scale, m' = b1 m + (1 - b1) g',
  ;; v' = b2 v + (1 - b2) g'^2 and p' = p - lr (m' ic1 / (sqrt(v' ic2) + eps) + decay p); writes p', m', v'.
  (func (export "adamW")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $p2 i32) (param $m2 i32) (param $v2 i32)
    (param $n i32) (param $lr f32) (param $b1 f32) (param $b2 f32) (param $ic1 f32) (param $ic2 f32)
    (param $eps f32) (param $decay f32) (param $scale f32)
    (local $i i32) (local $bytes i32) (local $gi v128) (local $mi v128) (local $vi v128) (local $pi v128)
    (local $vlr v128) (local $vb1 v128) (local $vc1 v128) (local $vb2 v128) (local $vc2 v128)
    (local $vic1 v128) (local $vic2 v128) (local $veps v128) (local $vdec v128) (local $vsc v128)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $vb1 (f32x4.splat (local.get $b1)))
    (local.set $vc1 (f32x4.splat (f32.sub (f32.const 1) (local.get $b1))))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $vc2 (f32x4.splat (f32.sub (f32.const 1) (local.get $b2))))
    (local.set $vic1 (f32x4.splat (local.get $ic1)))
    (local.set $vic2 (f32x4.splat (local.get $ic2)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $vdec (f32x4.splat (local.get $decay)))
    (local.set $vsc (f32x4.splat (local.get $scale)))
    (loop $l
      (local.set $gi (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $i))) (local.get $vsc)))
      (local.set $mi
        (f32x4.add (f32x4.mul (local.get $vb1) (v128.load (i32.add (local.get $m) (local.get $i))))
                   (f32x4.mul (local.get $vc1) (local.get $gi))))
      (local.set $vi
        (f32x4.add (f32x4.mul (local.get $vb2) (v128.load (i32.add (local.get $v) (local.get $i))))
                   (f32x4.mul (local.get $vc2) (f32x4.mul (local.get $gi) (local.get $gi)))))
      (local.set $pi (v128.load (i32.add (local.get $p) (local.get $i))))
      (v128.store (i32.add (local.get $m2) (local.get $i)) (local.get $mi))
      (v128.store (i32.add (local.get $v2) (local.get $i)) (local.get $vi))
      (v128.store (i32.add (local.get $p2) (local.get $i))
        (f32x4.sub (local.get $pi)
          (f32x4.mul (local.get $vlr)
            (f32x4.add
              (f32x4.div (f32x4.mul (local.get $mi) (local.get $vic1))
                         (f32x4.add (f32x4.sqrt (f32x4.mul (local.get $vi) (local.get $vic2))) (local.get $veps)))
              (f32x4.mul (local.get $vdec) (local.get $pi))))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $bytes)))))
  ;; out = x + y * g for x, y [N, C] and a per-group gate g [N / per, C] (row r takes row r / per): DiT's
  ;; gated residual, x + gate * block(x), with one gate per sample.
  (func (export "gatedAdd")
    (param $x i32) (param $y i32) (param $g0 i32) (param $out i32) (param $N i32) (param $C i32) (param $per i32)
    (local $r i32) (local $c i32) (local $bytes i32) (local $o i32) (local $g i32)
    (local.set $bytes (i32.shl (local.get $C) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $r) (local.get $N)))
        (local.set $o (i32.mul (local.get $r) (local.get $bytes)))
        (local.set $g (i32.add (local.get $g0) (i32.mul (i32.div_u (local.get $r) (local.get $per)) (local.get $bytes))))
        (local.set $c (i32.const 0))
        (loop $cols
          (v128.store (i32.add (i32.add (local.get $out) (local.get $o)) (local.get $c))
            (f32x4.add (v128.load (i32.add (i32.add (local.get $x) (local.get $o)) (local.get $c)))
              (f32x4.mul (v128.load (i32.add (i32.add (local.get $y) (local.get $o)) (local.get $c)))
                         (v128.load (i32.add (local.get $g) (local.get $c))))))
          (br_if $cols (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 16))) (local.get $bytes))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; Gradient of gatedAdd for the gated branch: dyOut = dout * g and dg = the sum over each group's rows of
  ;; dout * y (dg [N / per, C] is zeroed first); x's gradient is dout itself.
  (func (export "gatedAddGrad")
    (param $dout i32) (param $y i32) (param $g0 i32) (param $dyOut i32) (param $dg0 i32)
    (param $N i32) (param $C i32) (param $per i32)
    (local $r i32) (local $c i32) (local $bytes i32) (local $o i32) (local $grp i32) (local $d v128)
    (local.set $bytes (i32.shl (local.get $C) (i32.const 2)))
    (memory.fill (local.get $dg0) (i32.const 0)
      (i32.mul (i32.div_u (local.get $N) (local.get $per)) (local.get $bytes)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $r) (local.get $N)))
        (local.set $o (i32.mul (local.get $r) (local.get $bytes)))
        (local.set $grp (i32.mul (i32.div_u (local.get $r) (local.get $per)) (local.get $bytes)))
        (local.set $c (i32.const 0))
        (loop $cols
          (local.set $d (v128.load (i32.add (i32.add (local.get $dout) (local.get $o)) (local.get $c))))
          (v128.store (i32.add (i32.add (local.get $dyOut) (local.get $o)) (local.get $c))
            (f32x4.mul (local.get $d) (v128.load (i32.add (i32.add (local.get $g0) (local.get $grp)) (local.get $c)))))
          (v128.store (i32.add (i32.add (local.get $dg0) (local.get $grp)) (local.get $c))
            (f32x4.add (v128.load (i32.add (i32.add (local.get $dg0) (local.get $grp)) (local.get $c)))
              (f32x4.mul (local.get $d) (v128.load (i32.add (i32.add (local.get $y) (local.get $o)) (local.get $c))))))
          (br_if $cols (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 16))) (local.get $bytes))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))
  ;; An exponential moving average over n floats: out = d * ema + (1 - d) * v.
  (func (export "ema") (param $ema i32) (param $v i32) (param $out i32) (param $n i32) (param $d f32)
    (local $i i32) (local $bytes i32) (local $vd v128) (local $vc v128)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vd (f32x4.splat (local.get $d)))
    (local.set $vc (f32x4.splat (f32.sub (f32.const 1) (local.get $d))))
    (loop $l
      (v128.store (i32.add (local.get $out) (local.get $i))
        (f32x4.add (f32x4.mul (local.get $vd) (v128.load (i32.add (local.get $ema) (local.get $i))))
                   (f32x4.mul (local.get $vc) (v128.load (i32.add (local.get $v) (local.get $i))))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $bytes)))))
  ;; The sum of squares of n floats (four-lane partial sums): a gradient's share of the global norm.
  (func (export "sumSquares") (param $x i32) (param $n i32) (result f32)
    (local $i i32) (local $bytes i32) (local $acc v128) (local $v v128)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (loop $l
      (local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))
      (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $v) (local.get $v))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $bytes))))
    (call $hsum (local.get $acc)))
)
`;
