// A minimal ONNX (protobuf) writer: just enough of ModelProto to describe small inference graphs
// built at config load or by a build script, so no protobuf or onnx package is needed at run time.
// Field numbers follow onnx/onnx.proto3.

export const TensorType = { FLOAT: 1, INT32: 6, INT64: 7, FLOAT16: 10, DOUBLE: 11 } as const
export type TensorTypeCode = (typeof TensorType)[keyof typeof TensorType]

export type Initializer = { name: string; type: TensorTypeCode; dims: number[]; data: Uint8Array }
export type Attribute = { name: string; int?: number; ints?: number[]; float?: number }
export type GraphNode = { op: string; inputs: string[]; outputs: string[]; attributes?: Attribute[] }
/** A graph input or output: dims are sizes or symbolic names ('batch', 'tokens'). */
export type ValueInfo = { name: string; type: TensorTypeCode; dims: Array<number | string> }

export type GraphSpec = {
  name: string
  inputs: ValueInfo[]
  outputs: ValueInfo[]
  initializers: Initializer[]
  nodes: GraphNode[]
  opset: number
  /** Free-form key/value pairs stored as model metadata (model id, pooling, build inputs). */
  metadata?: Record<string, string>
}

class ProtoWriter {
  private chunks: Uint8Array[] = []
  private size = 0
  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes)
    this.size += bytes.length
  }
  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value))
    const out: number[] = []
    do {
      let byte = Number(v & 0x7fn)
      v >>= 7n
      if (v !== 0n) byte |= 0x80
      out.push(byte)
    } while (v !== 0n)
    this.push(Uint8Array.from(out))
  }
  private tag(field: number, wire: 0 | 2 | 5): void {
    this.varint((field << 3) | wire)
  }
  int(field: number, value: number): this {
    this.tag(field, 0)
    this.varint(value)
    return this
  }
  float(field: number, value: number): this {
    this.tag(field, 5)
    const b = new Uint8Array(4)
    new DataView(b.buffer).setFloat32(0, value, true)
    this.push(b)
    return this
  }
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2)
    this.varint(value.length)
    this.push(value)
    return this
  }
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value))
  }
  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter()
    build(inner)
    return this.bytes(field, inner.finish())
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.size)
    let offset = 0
    for (const c of this.chunks) {
      out.set(c, offset)
      offset += c.length
    }
    return out
  }
}

const ATTRIBUTE_FLOAT = 1
const ATTRIBUTE_INT = 2
const ATTRIBUTE_INTS = 7

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name)
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.type)
      tensor.message(2, (shape) => {
        for (const d of v.dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)))
      })
    }),
  )
}

/** Serialises a graph as an ONNX ModelProto (IR version 8). */
export function encodeOnnxModel(spec: GraphSpec): Uint8Array {
  const model = new ProtoWriter()
  model.int(1, 8)
  model.string(2, 'switchyard')
  model.message(7, (g) => {
    spec.nodes.forEach((n, i) =>
      g.message(1, (node) => {
        for (const input of n.inputs) node.string(1, input)
        for (const output of n.outputs) node.string(2, output)
        node.string(3, `${n.op.toLowerCase()}_${i}`)
        node.string(4, n.op)
        for (const a of n.attributes ?? [])
          node.message(5, (attr) => {
            attr.string(1, a.name)
            if (a.float !== undefined) attr.float(2, a.float).int(20, ATTRIBUTE_FLOAT)
            else if (a.int !== undefined) attr.int(3, a.int).int(20, ATTRIBUTE_INT)
            else {
              for (const v of a.ints ?? []) attr.int(8, v)
              attr.int(20, ATTRIBUTE_INTS)
            }
          })
      }),
    )
    g.string(2, spec.name)
    for (const init of spec.initializers)
      g.message(5, (t) => {
        for (const d of init.dims) t.int(1, d)
        t.int(2, init.type)
        t.string(8, init.name)
        t.bytes(9, init.data)
      })
    for (const input of spec.inputs) g.message(11, (v) => writeValueInfo(v, input))
    for (const output of spec.outputs) g.message(12, (v) => writeValueInfo(v, output))
  })
  model.message(8, (op) => op.string(1, '').int(2, spec.opset))
  for (const [key, value] of Object.entries(spec.metadata ?? {})) model.message(14, (p) => p.string(1, key).string(2, value))
  return model.finish()
}

/** Little-endian bytes of a typed array, as ONNX raw_data expects. */
export function rawBytes(array: Float32Array | Int32Array | BigInt64Array | Uint16Array | Float64Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength)
}
