#!/usr/bin/env python3
"""The scaling model of the Distributed training article (Docs/Pix2PixZoo.docc/DistributedTraining.md).

Data-parallel step time with N ranks, one per host, batch b per rank:

    T(N) = t_c + A(N),   A(N) = 2 (N - 1) / N * S / min(B_net, B_rank)

t_c is one rank's compute time per step (measured with `pix2pix bench train`), S the gradient bytes
every rank sends per step (4 bytes per parameter in fp32, 2 in bf16), B_net the network's bandwidth
and B_rank the rate at which a rank's CPU can reduce a payload at all (measured with
`mpirun -np 2 pix2pix bench allreduce` over shared memory, where the network is not the limit). The
factor 2 (N - 1) / N is what a ring (or reduce-scatter + all-gather) all-reduce moves per rank. Latency
is left out: with 4 MiB buckets it adds about 2 (N - 1) x (S / 4 MiB) x the per-message latency
(with 20 us per message, 0.14 s at N = 64 for fp32), so the table is optimistic at large N on
slow-latency networks. Pairs per second = N * b / T(N).

    python3 benchmarks/distributed_scaling.py            # the article's table (its measured inputs)
    python3 benchmarks/distributed_scaling.py --compute 0.72 --fp32-rate 3.5 --bf16-rate 1.5
"""
import argparse


def table(compute, parameters, fp32_rate, bf16_rate, batch, ranks, networks):
    rows = []
    single = batch / compute
    for gbps in networks:
        net = gbps / 8  # GB/s
        for precision, width, rate in (("fp32", 4, fp32_rate), ("bf16", 2, bf16_rate)):
            size = parameters * width / 1e9  # GB
            cells = []
            for n in ranks:
                allreduce = 2 * (n - 1) / n * size / min(net, rate)
                step = compute + allreduce
                cells.append((n * batch / step, allreduce, compute / step))
            rows.append((gbps, precision, cells))
    return single, rows


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--compute", type=float, default=0.45, help="t_c: seconds per step of one rank (default: unet_256 + patchgan_70, batch 1, 2 threads)")
    p.add_argument("--parameters", type=float, default=57_182_660, help="trained parameters of G and D (default: unet_256 + patchgan_70)")
    p.add_argument("--fp32-rate", type=float, default=3.5, help="GB/s a rank reduces fp32 payload at (shared-memory all-reduce)")
    p.add_argument("--bf16-rate", type=float, default=1.5, help="GB/s a rank reduces bf16 payload at (shared-memory all-reduce)")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--ranks", default="1,2,4,8,16,32,64")
    p.add_argument("--networks", default="1,10,100", help="Gb/s")
    a = p.parse_args()
    ranks = [int(x) for x in a.ranks.split(",")]
    networks = [float(x) for x in a.networks.split(",")]
    single, rows = table(a.compute, a.parameters, a.fp32_rate, a.bf16_rate, a.batch, ranks, networks)
    print(f"t_c = {a.compute} s/step, {a.parameters / 1e6:.1f} M parameters, batch {a.batch} per rank; one process: {single:.2f} pairs/s")
    print()
    print("| network | gradients | " + " | ".join(f"N = {n}" for n in ranks) + " |")
    print("|---|---|" + "---:|" * len(ranks))
    for gbps, precision, cells in rows:
        text = [f"{s:.1f} ({e * 100:.0f} %)" for s, _, e in cells]
        print(f"| {gbps:g} Gb/s | {precision} | " + " | ".join(text) + " |")
    print()
    print("pairs/s (parallel efficiency t_c / T(N)); all-reduce seconds per step:")
    for gbps, precision, cells in rows:
        print(f"  {gbps:g} Gb/s {precision}: " + ", ".join(f"N={n}: {a_:.3f} s" for n, (_, a_, _) in zip(ranks, cells)))


if __name__ == "__main__":
    main()
