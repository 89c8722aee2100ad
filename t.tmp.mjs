import fs from 'node:fs'; import path from 'node:path'; import {execFileSync} from 'node:child_process';
import ort from 'onnxruntime-node';
const {loadModel}=await import('@splitc/onnx'); const ir=await import('@splitc/ir'); const part=await import('@splitc/partition'); const ev=await import('@splitc/emit-vitis');
for (const [f,k] of [['lenet5-weights',11],['tinyres-weights',8],['tinyres-weights',16],['mobilenetv2-weights',50],['mobilenetv2-weights',101]]) {
  const src=loadModel('fixtures/models/'+f+'.onnx'); const g=ir.analyzeModel(src);
  const kk=Math.min(k,g.layers.length);
  const mask=g.layers.map(l=>l.index<kk); const p=part.partitionGraph(g,mask);
  const dir=fs.mkdtempSync('/tmp/mp-'); fs.writeFileSync(dir+'/partition.onnx', part.partitionBytes(p.dpu));
  const py=ev.emitModelPy({graph:g, layers:g.layers.filter(l=>mask[l.index]), inputs:p.dpu.inputs.map(i=>i.name), outputs:p.dpu.outputs.map(o=>o.name), modelName:f, splitcVersion:'0.1.0'});
  fs.writeFileSync(dir+'/model.py', py);
  const inShape=p.dpu.inputs[0].shape; const n=inShape.reduce((a,b)=>a*b,1); const x=new Float32Array(n); for(let i=0;i<n;i++) x[i]=Math.sin(i*0.37);
  fs.writeFileSync(dir+'/x.bin', Buffer.from(x.buffer));
  const s=await ort.InferenceSession.create(dir+'/partition.onnx'); const out=await s.run({[p.dpu.inputs[0].name]: new ort.Tensor('float32',x,inShape)});
  p.dpu.outputs.forEach((o,i)=>fs.writeFileSync(dir+`/y${i}.bin`, Buffer.from(out[o.name].data.buffer)));
  const r=execFileSync('/usr/bin/python3',['-c',`
import sys, numpy as np, torch
sys.path.insert(0, ${JSON.stringify(dir)})
import model
m = model.load_model()
x = torch.from_numpy(np.fromfile(${JSON.stringify(dir)}+'/x.bin', dtype=np.float32).reshape(model.INPUT_SHAPES[0]))
with torch.no_grad(): y = m(x)
y = y if isinstance(y, tuple) else (y,)
worst = 0
for i, t in enumerate(y):
    ref = np.fromfile(${JSON.stringify(dir)}+'/y%d.bin' % i, dtype=np.float32).reshape(model.OUTPUT_SHAPES[i])
    worst = max(worst, float(np.abs(t.numpy() - ref).max() / max(1e-12, np.abs(ref).max())))
print(worst)
`],{encoding:'utf8'});
  console.log(f, kk, 'rel maxdiff', r.trim(), dir);
}
