public enum FieldbusPlaceholder {}
