#!/usr/bin/env python3
# Where a phantom's brain-volume error comes from: compares `braingen segment IMAGE -o PREFIX` with the
# phantom's truth maps (derivatives/phantom-truth) and splits measured − true brain (mL) by what each
# voxel truly holds. Needs numpy and nibabel.
# Usage: scripts/phantom_brain_error_breakdown.py COHORT sub-XXX ses-XX PREFIX
import sys
import numpy as np
import nibabel as nib

root, sub, ses, prefix = sys.argv[1:5]
load = lambda p: np.asarray(nib.load(p).dataobj, dtype=np.float64)
image_path = f'{root}/{sub}/{ses}/anat/{sub}_{ses}_T1w.nii.gz'
image = load(image_path)
truth = f'{root}/derivatives/phantom-truth/{sub}/{ses}/anat/{sub}_{ses}_label-'
gm, wm, csf = (load(f'{truth}{k}_probseg.nii.gz') for k in ('GM', 'WM', 'CSF'))
seg_brain = sum(load(f'{prefix}_label-{k}_probseg.nii.gz') for k in ('GM', 'WM'))
ml = np.prod(nib.load(image_path).header.get_zooms()[:3]) / 1000
mask = image > 0
brain = gm + wm
non_brain = np.clip(1 - brain - csf, 0, 1)
error = (seg_brain - brain) * mask
print(f'{sub} {ses}: true brain {brain.sum() * ml:.1f} mL, measured {seg_brain[mask].sum() * ml:.1f} mL '
      f'({100 * (seg_brain[mask].sum() / brain.sum() - 1):+.2f}%)')
print(f'  brain outside the skull-strip mask        {-brain[~mask].sum() * ml:+7.1f} mL')
for name, where in [('voxels with >5% non-brain (mask edge)', mask & (non_brain > 0.05)),
                    ('CSF/brain mixtures', mask & (non_brain <= 0.05) & (csf > 0.02) & (brain > 0.02)),
                    ('pure brain (>98%)', mask & (brain > 0.98))]:
    print(f'  {name:<40} {error[where].sum() * ml:+7.1f} mL  ({where.sum()} voxels)')
