#!/usr/bin/env python3
# Compares measured.tsv (braingen volumes) with the phantom truth in sub-*/sub-*_sessions.tsv.
import sys,csv,glob,os,math
root=sys.argv[1]; meas={}
for r in csv.DictReader(open(os.path.join(root,'measured.tsv')),delimiter='\t'): meas[r['image']]=r
rows=[]
for f in sorted(glob.glob(os.path.join(root,'sub-*/sub-*_sessions.tsv'))):
    sub=os.path.basename(f).split('_')[0]
    for r in csv.DictReader(open(f),delimiter='\t'):
        m=meas.get(f"{sub}_{r['session_id']}_T1w.nii.gz")
        if not m: continue
        tb,tv=float(r['brain_volume_ml']),float(r['ventricle_volume_ml']); mb=float(m['brain_volume_ml'])
        # n/a: no ventricle region found; it counts as a 100% miss.
        mv=0.0 if m['ventricle_volume_ml']=='n/a' else float(m['ventricle_volume_ml'])
        rows.append((sub,r['session_id'],tv,mv,100*(mv-tv)/tv,100*(mb-tb)/tb))
for r in rows: print("%s %s truth %.1f meas %.1f err %+.1f%% brain %+.2f%%"%r)
tv=[r[2] for r in rows]; mv=[r[3] for r in rows]; n=len(rows)
mt,mm=sum(tv)/n,sum(mv)/n
rr=sum((a-mt)*(b-mm) for a,b in zip(tv,mv))/math.sqrt(sum((a-mt)**2 for a in tv)*sum((b-mm)**2 for b in mv))
print("n",n,"vent mean|err| %.1f max %.1f r %.4f; brain mean|err| %.2f max %.2f"%(sum(abs(r[4]) for r in rows)/n,max(abs(r[4]) for r in rows),rr,sum(abs(r[5]) for r in rows)/n,max(abs(r[5]) for r in rows)))
