public enum PlatformerPlaceholder {}
