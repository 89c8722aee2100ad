import fs from 'node:fs'; import path from 'node:path';
const {decodeTensor, loadModel}=await import('@splitc/onnx'); const ir=await import('@splitc/ir');
const ROOT='/usr/share/libonnx-testdata/data/node';
for (const d of fs.readdirSync(ROOT).sort()) {
  const ds=path.join(ROOT,d,'test_data_set_0'); if(!fs.existsSync(ds)) continue;
  let m; try { m=loadModel(path.join(ROOT,d,'model.onnx')); } catch { continue; }
  if (m.model.graph.nodes.some(n=>!ir.ruleFor(n.domain,n.opType))) continue;
  for (const f of fs.readdirSync(ds)) { try { decodeTensor(fs.readFileSync(path.join(ds,f))); } catch(e) { console.log(d,f,e.message.slice(0,100)); } }
}
