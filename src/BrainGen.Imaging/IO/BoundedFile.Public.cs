namespace BrainGen.Imaging;

// Public here; BrainGen.Torch compiles BoundedFile.cs without this part, so its copy stays internal to it (and Models).
public static partial class BoundedFile;
