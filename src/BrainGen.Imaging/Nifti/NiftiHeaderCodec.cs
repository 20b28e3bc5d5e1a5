using System.Buffers.Binary;
using System.Text;

namespace BrainGen.Imaging;

/// <summary>
/// Byte layout of the NIfTI-1 (348-byte) and NIfTI-2 (540-byte) headers, both endiannesses.
/// Decoding only unpacks fields; <see cref="NiftiHeaderValidator"/> decides what is acceptable.
/// </summary>
public static class NiftiHeaderCodec
{
    /// <summary>Version and endianness from sizeof_hdr (the first 4 bytes), or null if neither 348 nor 540.</summary>
    public static (int Version, bool BigEndian)? Detect(ReadOnlySpan<byte> first4)
    {
        var le = BinaryPrimitives.ReadInt32LittleEndian(first4);
        var be = BinaryPrimitives.ReadInt32BigEndian(first4);
        if (le == 348) return (1, false);
        if (be == 348) return (1, true);
        if (le == 540) return (2, false);
        if (be == 540) return (2, true);
        return null;
    }

    public static NiftiHeader Decode(ReadOnlySpan<byte> block, int version, bool bigEndian)
    {
        var f = new Fields(block, bigEndian);
        var h = new NiftiHeader { Version = version, IsBigEndian = bigEndian };
        if (version == 1)
        {
            h.DimInfo = block[39];
            for (var i = 0; i < 8; i++) h.Dim[i] = f.I16(40 + 2 * i);
            h.IntentP = [f.F32(56), f.F32(60), f.F32(64)];
            h.IntentCode = f.I16(68);
            h.DataTypeCode = f.I16(70);
            h.BitPix = f.I16(72);
            h.SliceStart = f.I16(74);
            for (var i = 0; i < 8; i++) h.PixDim[i] = f.F32(76 + 4 * i);
            h.VoxOffsetStored = f.F32(108);
            h.VoxOffset = NiftiHeaderValidator.VoxOffsetFromFloat(h.VoxOffsetStored);
            h.SclSlope = f.F32(112);
            h.SclInter = f.F32(116);
            h.SliceEnd = f.I16(120);
            h.SliceCode = block[122];
            h.XyztUnits = block[123];
            h.CalMax = f.F32(124);
            h.CalMin = f.F32(128);
            h.SliceDuration = f.F32(132);
            h.TOffset = f.F32(136);
            h.Description = Fields.Text(block.Slice(148, 80));
            h.AuxFile = Fields.Text(block.Slice(228, 24));
            h.QformCode = f.I16(252);
            h.SformCode = f.I16(254);
            h.QuaternB = f.F32(256); h.QuaternC = f.F32(260); h.QuaternD = f.F32(264);
            h.QOffsetX = f.F32(268); h.QOffsetY = f.F32(272); h.QOffsetZ = f.F32(276);
            for (var i = 0; i < 4; i++)
            {
                h.SRowX[i] = f.F32(280 + 4 * i);
                h.SRowY[i] = f.F32(296 + 4 * i);
                h.SRowZ[i] = f.F32(312 + 4 * i);
            }
            h.IntentName = Fields.Text(block.Slice(328, 16));
            h.Magic = Fields.Text(block.Slice(344, 4));
        }
        else
        {
            h.Magic = Fields.Text(block.Slice(4, 4));
            h.DataTypeCode = f.I16(12);
            h.BitPix = f.I16(14);
            for (var i = 0; i < 8; i++) h.Dim[i] = f.I64(16 + 8 * i);
            h.IntentP = [f.F64(80), f.F64(88), f.F64(96)];
            for (var i = 0; i < 8; i++) h.PixDim[i] = f.F64(104 + 8 * i);
            h.VoxOffset = f.I64(168);
            h.VoxOffsetStored = h.VoxOffset;
            h.SclSlope = f.F64(176);
            h.SclInter = f.F64(184);
            h.CalMax = f.F64(192);
            h.CalMin = f.F64(200);
            h.SliceDuration = f.F64(208);
            h.TOffset = f.F64(216);
            h.SliceStart = f.I64(224);
            h.SliceEnd = f.I64(232);
            h.Description = Fields.Text(block.Slice(240, 80));
            h.AuxFile = Fields.Text(block.Slice(320, 24));
            h.QformCode = f.I32(344);
            h.SformCode = f.I32(348);
            h.QuaternB = f.F64(352); h.QuaternC = f.F64(360); h.QuaternD = f.F64(368);
            h.QOffsetX = f.F64(376); h.QOffsetY = f.F64(384); h.QOffsetZ = f.F64(392);
            for (var i = 0; i < 4; i++)
            {
                h.SRowX[i] = f.F64(400 + 8 * i);
                h.SRowY[i] = f.F64(432 + 8 * i);
                h.SRowZ[i] = f.F64(464 + 8 * i);
            }
            h.SliceCode = f.I32(496);
            h.XyztUnits = f.I32(500);
            h.IntentCode = f.I32(504);
            h.IntentName = Fields.Text(block.Slice(508, 16));
            h.DimInfo = block[524];
        }
        return h;
    }

    /// <summary>The NIfTI-2 eol_check bytes (0D 0A 1A 0A) at offset 8; all zero is tolerated (nibabel).</summary>
    public static bool EolCheckOk(ReadOnlySpan<byte> block) =>
        block.Slice(8, 4).SequenceEqual(new byte[] { 0x0D, 0x0A, 0x1A, 0x0A }) || block.Slice(8, 4).IndexOfAnyExcept((byte)0) < 0;

    /// <summary>Little-endian header bytes (348 or 540) for writing.</summary>
    public static byte[] Encode(NiftiHeader h)
    {
        var b = new byte[h.HeaderSize];
        var s = b.AsSpan();
        if (h.Version == 1)
        {
            BinaryPrimitives.WriteInt32LittleEndian(s, 348);
            b[38] = (byte)'r'; // "regular", as nibabel and nifti_clib write it
            b[39] = h.DimInfo;
            for (var i = 0; i < 8; i++) BinaryPrimitives.WriteInt16LittleEndian(s[(40 + 2 * i)..], checked((short)h.Dim[i]));
            for (var i = 0; i < 3; i++) BinaryPrimitives.WriteSingleLittleEndian(s[(56 + 4 * i)..], (float)h.IntentP[i]);
            BinaryPrimitives.WriteInt16LittleEndian(s[68..], checked((short)h.IntentCode));
            BinaryPrimitives.WriteInt16LittleEndian(s[70..], h.DataTypeCode);
            BinaryPrimitives.WriteInt16LittleEndian(s[72..], h.BitPix);
            BinaryPrimitives.WriteInt16LittleEndian(s[74..], checked((short)h.SliceStart));
            for (var i = 0; i < 8; i++) BinaryPrimitives.WriteSingleLittleEndian(s[(76 + 4 * i)..], (float)h.PixDim[i]);
            BinaryPrimitives.WriteSingleLittleEndian(s[108..], h.VoxOffset);
            BinaryPrimitives.WriteSingleLittleEndian(s[112..], (float)h.SclSlope);
            BinaryPrimitives.WriteSingleLittleEndian(s[116..], (float)h.SclInter);
            BinaryPrimitives.WriteInt16LittleEndian(s[120..], checked((short)h.SliceEnd));
            b[122] = (byte)h.SliceCode;
            b[123] = (byte)h.XyztUnits;
            BinaryPrimitives.WriteSingleLittleEndian(s[124..], (float)h.CalMax);
            BinaryPrimitives.WriteSingleLittleEndian(s[128..], (float)h.CalMin);
            BinaryPrimitives.WriteSingleLittleEndian(s[132..], (float)h.SliceDuration);
            BinaryPrimitives.WriteSingleLittleEndian(s[136..], (float)h.TOffset);
            Fields.PutText(s.Slice(148, 80), h.Description);
            Fields.PutText(s.Slice(228, 24), h.AuxFile);
            BinaryPrimitives.WriteInt16LittleEndian(s[252..], checked((short)h.QformCode));
            BinaryPrimitives.WriteInt16LittleEndian(s[254..], checked((short)h.SformCode));
            double[] q = [h.QuaternB, h.QuaternC, h.QuaternD, h.QOffsetX, h.QOffsetY, h.QOffsetZ];
            for (var i = 0; i < 6; i++) BinaryPrimitives.WriteSingleLittleEndian(s[(256 + 4 * i)..], (float)q[i]);
            for (var i = 0; i < 4; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(s[(280 + 4 * i)..], (float)h.SRowX[i]);
                BinaryPrimitives.WriteSingleLittleEndian(s[(296 + 4 * i)..], (float)h.SRowY[i]);
                BinaryPrimitives.WriteSingleLittleEndian(s[(312 + 4 * i)..], (float)h.SRowZ[i]);
            }
            Fields.PutText(s.Slice(328, 16), h.IntentName);
            Fields.PutText(s.Slice(344, 4), h.Magic);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(s, 540);
            Fields.PutText(s.Slice(4, 4), h.Magic);
            b[8] = 0x0D; b[9] = 0x0A; b[10] = 0x1A; b[11] = 0x0A;
            BinaryPrimitives.WriteInt16LittleEndian(s[12..], h.DataTypeCode);
            BinaryPrimitives.WriteInt16LittleEndian(s[14..], h.BitPix);
            for (var i = 0; i < 8; i++) BinaryPrimitives.WriteInt64LittleEndian(s[(16 + 8 * i)..], h.Dim[i]);
            for (var i = 0; i < 3; i++) BinaryPrimitives.WriteDoubleLittleEndian(s[(80 + 8 * i)..], h.IntentP[i]);
            for (var i = 0; i < 8; i++) BinaryPrimitives.WriteDoubleLittleEndian(s[(104 + 8 * i)..], h.PixDim[i]);
            BinaryPrimitives.WriteInt64LittleEndian(s[168..], h.VoxOffset);
            double[] d8 = [h.SclSlope, h.SclInter, h.CalMax, h.CalMin, h.SliceDuration, h.TOffset];
            for (var i = 0; i < 6; i++) BinaryPrimitives.WriteDoubleLittleEndian(s[(176 + 8 * i)..], d8[i]);
            BinaryPrimitives.WriteInt64LittleEndian(s[224..], h.SliceStart);
            BinaryPrimitives.WriteInt64LittleEndian(s[232..], h.SliceEnd);
            Fields.PutText(s.Slice(240, 80), h.Description);
            Fields.PutText(s.Slice(320, 24), h.AuxFile);
            BinaryPrimitives.WriteInt32LittleEndian(s[344..], h.QformCode);
            BinaryPrimitives.WriteInt32LittleEndian(s[348..], h.SformCode);
            double[] q = [h.QuaternB, h.QuaternC, h.QuaternD, h.QOffsetX, h.QOffsetY, h.QOffsetZ];
            for (var i = 0; i < 6; i++) BinaryPrimitives.WriteDoubleLittleEndian(s[(352 + 8 * i)..], q[i]);
            for (var i = 0; i < 4; i++)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(s[(400 + 8 * i)..], h.SRowX[i]);
                BinaryPrimitives.WriteDoubleLittleEndian(s[(432 + 8 * i)..], h.SRowY[i]);
                BinaryPrimitives.WriteDoubleLittleEndian(s[(464 + 8 * i)..], h.SRowZ[i]);
            }
            BinaryPrimitives.WriteInt32LittleEndian(s[496..], h.SliceCode);
            BinaryPrimitives.WriteInt32LittleEndian(s[500..], h.XyztUnits);
            BinaryPrimitives.WriteInt32LittleEndian(s[504..], h.IntentCode);
            Fields.PutText(s.Slice(508, 16), h.IntentName);
            b[524] = h.DimInfo;
        }
        return b;
    }

    private readonly ref struct Fields(ReadOnlySpan<byte> block, bool bigEndian)
    {
        private readonly ReadOnlySpan<byte> _b = block;

        public short I16(int o) => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(_b[o..]) : BinaryPrimitives.ReadInt16LittleEndian(_b[o..]);
        public int I32(int o) => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(_b[o..]) : BinaryPrimitives.ReadInt32LittleEndian(_b[o..]);
        public long I64(int o) => bigEndian ? BinaryPrimitives.ReadInt64BigEndian(_b[o..]) : BinaryPrimitives.ReadInt64LittleEndian(_b[o..]);
        public float F32(int o) => bigEndian ? BinaryPrimitives.ReadSingleBigEndian(_b[o..]) : BinaryPrimitives.ReadSingleLittleEndian(_b[o..]);
        public double F64(int o) => bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(_b[o..]) : BinaryPrimitives.ReadDoubleLittleEndian(_b[o..]);

        /// <summary>A C string field: up to the first NUL, non-ASCII bytes replaced.</summary>
        public static string Text(ReadOnlySpan<byte> field)
        {
            var end = field.IndexOf((byte)0);
            if (end >= 0) field = field[..end];
            var chars = new char[field.Length];
            for (var i = 0; i < field.Length; i++) chars[i] = field[i] is >= 32 and < 127 ? (char)field[i] : '?';
            return new string(chars);
        }

        public static void PutText(Span<byte> field, string text)
        {
            field.Clear();
            var bytes = Encoding.ASCII.GetBytes(text);
            bytes.AsSpan(0, Math.Min(bytes.Length, field.Length - 1)).CopyTo(field); // always NUL-terminated
        }
    }
}
