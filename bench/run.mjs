// The seed's latency table and the HTTP throughput ratios arrive with the observability issue.
process.stdout.write('no benchmarks yet\n');
