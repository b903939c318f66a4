import csv,glob,statistics as st,collections
tp=collections.defaultdict(list); lat=collections.defaultdict(list)
for d in sorted(glob.glob(__import__('os').path.dirname(__import__('os').path.abspath(__file__))+'/b*.*')):
    b=d.split('/')[-1].split('.')[0]
    try:
        for r in csv.DictReader(open(d+'/throughput.csv')): tp[(r['workload'],r['map'],r['threads'],b)].append(float(r['median_mops']))
        for r in csv.DictReader(open(d+'/latency.csv')): lat[(r['workload'],r['map'],r['threads'],b)].append((int(r['p99_ns']),int(r['p999_ns'])))
    except FileNotFoundError: pass
keys=sorted({k[:3] for k in tp})
for k in keys:
    a=tp.get(k+('b64',),[]); c=tp.get(k+('b32',),[])
    la=lat.get(k+('b64',),[]); lc=lat.get(k+('b32',),[])
    if not a or not c: continue
    f=lambda v: st.median(v)
    print(f"{k[0]:10s} {k[1]:22s} {k[2]}thr  Mops 64:{f(a):.2f} 32:{f(c):.2f} ({f(c)/f(a):.2f}x)  p99.9 64:{f([x[1] for x in la])} 32:{f([x[1] for x in lc])}  p99 64:{f([x[0] for x in la])} 32:{f([x[0] for x in lc])}  n={len(a)},{len(c)}")
