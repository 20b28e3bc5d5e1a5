#!/usr/bin/env python3
# Where a phantom's ventricle-volume error comes from: compares the measured ventricles
# (`braingen volumes IMAGE --ventricle-maps MAPDIR`) and the segmentation (`braingen segment IMAGE -o PREFIX`)
# with the phantom's truth maps (derivatives/phantom-truth). It splits measured − true ventricles (mL) into
# the region (true ventricle CSF the region missed, CSF it took that is not ventricle) and the CSF fractions
# inside it, by how much CSF each voxel truly holds. It also prints the pure intensities that least squares
# on the truth fractions gives (bias-corrected image, whole mask and within 6 mm of the ventricles), to set
# beside the class means `braingen segment` prints. Needs numpy, scipy and nibabel.
# Usage: scripts/phantom_ventricle_error_breakdown.py COHORT sub-XXX ses-XX PREFIX MAPDIR
import sys
import numpy as np
import nibabel as nib
from scipy import ndimage

root, sub, ses, prefix, mapdir = sys.argv[1:6]
load = lambda p: np.asarray(nib.load(p).dataobj, dtype=np.float64)
image_path = f'{root}/{sub}/{ses}/anat/{sub}_{ses}_T1w.nii.gz'
image = load(image_path)
truth = f'{root}/derivatives/phantom-truth/{sub}/{ses}/anat/{sub}_{ses}_label-'
csf, gm, wm, ventricles = (load(f'{truth}{k}_probseg.nii.gz') for k in ('CSF', 'GM', 'WM', 'Ventricles'))
measured = load(f'{mapdir}/{sub}_{ses}_label-Ventricles_probseg.nii.gz')
corrected = image / load(f'{prefix}_biasfield.nii.gz')
ml = np.prod(nib.load(image_path).header.get_zooms()[:3]) / 1000
mask = image > 0
region = measured > 0

true_ml, measured_ml = ventricles.sum() * ml, measured.sum() * ml
print(f'{sub} {ses}: true ventricles {true_ml:.1f} mL, measured {measured_ml:.1f} mL ({100 * (measured_ml / true_ml - 1):+.1f}%)')
print(f'  true ventricle CSF outside the region      {-ventricles[~region].sum() * ml:+7.2f} mL')
print(f'  region voxels\' non-ventricle CSF (truth)   {(csf - ventricles)[region].sum() * ml:+7.2f} mL')
print(f'  CSF fractions inside the region, measured − true CSF, by true CSF:')
for low, high in [(0, 0.02), (0.02, 0.1), (0.1, 0.5), (0.5, 0.9), (0.9, 1.01)]:
    where = region & (csf >= low) & (csf < high)
    print(f'    {low:4.2f}–{min(high, 1):4.2f} {where.sum():6d} voxels  true {csf[where].sum() * ml:6.2f}  '
          f'measured {measured[where].sum() * ml:6.2f}  ({(measured - csf)[where].sum() * ml:+6.2f} mL)')

non_brain = np.clip(1 - csf - gm - wm, 0, 1)
near = ndimage.binary_dilation(ventricles > 0.01, iterations=max(1, round(6 / np.cbrt(ml * 1000)))) & mask
for name, where in [('whole mask', mask), ('near the ventricles', near)]:
    fractions = np.stack([csf[where], gm[where], wm[where], non_brain[where]], 1)
    pure, *_ = np.linalg.lstsq(fractions, corrected[where], rcond=None)
    print(f'  pure intensities by least squares ({name}): CSF {pure[0]:.0f}  GM {pure[1]:.0f}  WM {pure[2]:.0f}')
